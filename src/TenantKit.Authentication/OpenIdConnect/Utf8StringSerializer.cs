using System.Text;
using Microsoft.AspNetCore.Authentication;

namespace TenantKit.Authentication.OpenIdConnect;

/// <summary>Serializes the nonce for the tenant's string data format.</summary>
internal sealed class Utf8StringSerializer : IDataSerializer<string>
{
    public static readonly Utf8StringSerializer Instance = new();

    public byte[] Serialize(string model) => Encoding.UTF8.GetBytes(model);

    public string Deserialize(byte[] data) => Encoding.UTF8.GetString(data);
}
