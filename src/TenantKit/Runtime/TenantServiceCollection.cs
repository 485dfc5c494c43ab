using System.Collections;
using Microsoft.Extensions.DependencyInjection;

namespace TenantKit.Runtime;

/// <summary>
/// The service collection a tenant's configuration sees while its container is built: the template every tenant
/// starts from, then what the tenant adds. The template is not copied: additions go to a short list of their own, and
/// only a change to the template's part (a removal, a replacement, an insertion before its end) copies it, once.
/// </summary>
/// <remarks>
/// A build used to copy the template (a few hundred descriptors: about 2 KB per tenant on a typical web app) to run
/// configuration that, almost always, only adds. Whether the template was left whole tells the factory which
/// descriptors are the tenant's own (<see cref="Own"/>), without comparing them one by one.
/// </remarks>
internal sealed class TenantServiceCollection(ServiceDescriptor[] template) : IServiceCollection
{
    private readonly ServiceDescriptor[] _template = template;
    private readonly List<ServiceDescriptor> _added = new(4);
    private List<ServiceDescriptor>? _copy;

    /// <summary>
    /// The number of leading descriptors that are the template's, unchanged: its length while the template is whole,
    /// else 0 (every descriptor is then the tenant's own).
    /// </summary>
    public int SharedCount => _copy is null ? _template.Length : 0;

    public int Count => _copy?.Count ?? _template.Length + _added.Count;

    public bool IsReadOnly => false;

    public ServiceDescriptor this[int index]
    {
        get
        {
            if (_copy is not null)
            {
                return _copy[index];
            }

            ArgumentOutOfRangeException.ThrowIfNegative(index);
            return index < _template.Length ? _template[index] : _added[index - _template.Length];
        }

        set
        {
            ArgumentNullException.ThrowIfNull(value);
            if (_copy is null && index >= _template.Length)
            {
                _added[index - _template.Length] = value;
            }
            else
            {
                Copy()[index] = value;
            }
        }
    }

    /// <summary>The descriptors after <see cref="SharedCount"/>: the tenant's own.</summary>
    public ServiceDescriptor[] Own() => _copy is null ? [.. _added] : [.. _copy];

    public void Add(ServiceDescriptor item)
    {
        ArgumentNullException.ThrowIfNull(item);
        (_copy ?? _added).Add(item);
    }

    public void Insert(int index, ServiceDescriptor item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (_copy is null && index >= _template.Length)
        {
            _added.Insert(index - _template.Length, item);
        }
        else
        {
            Copy().Insert(index, item);
        }
    }

    public void RemoveAt(int index)
    {
        if (_copy is null && index >= _template.Length)
        {
            _added.RemoveAt(index - _template.Length);
        }
        else
        {
            Copy().RemoveAt(index);
        }
    }

    public bool Remove(ServiceDescriptor item)
    {
        var index = IndexOf(item);
        if (index < 0)
        {
            return false;
        }

        RemoveAt(index);
        return true;
    }

    public void Clear()
    {
        _copy = [];
        _added.Clear();
    }

    public int IndexOf(ServiceDescriptor item)
    {
        if (_copy is not null)
        {
            return _copy.IndexOf(item);
        }

        var index = Array.IndexOf(_template, item);
        if (index >= 0)
        {
            return index;
        }

        index = _added.IndexOf(item);
        return index < 0 ? -1 : _template.Length + index;
    }

    public bool Contains(ServiceDescriptor item) => IndexOf(item) >= 0;

    public void CopyTo(ServiceDescriptor[] array, int arrayIndex)
    {
        if (_copy is not null)
        {
            _copy.CopyTo(array, arrayIndex);
            return;
        }

        ArgumentNullException.ThrowIfNull(array);
        ArgumentOutOfRangeException.ThrowIfNegative(arrayIndex);
        if (array.Length - arrayIndex < Count)
        {
            // As List<T>.CopyTo.
            throw new ArgumentException("Destination array was not long enough.", nameof(array));
        }

        _template.CopyTo(array, arrayIndex);
        _added.CopyTo(array, arrayIndex + _template.Length);
    }

    public IEnumerator<ServiceDescriptor> GetEnumerator()
    {
        if (_copy is not null)
        {
            // As List<T>'s enumerator, a change during the enumeration throws.
            foreach (var item in _copy)
            {
                yield return item;
            }

            yield break;
        }

        var count = _added.Count;
        foreach (var item in _template)
        {
            if (_copy is not null || _added.Count != count)
            {
                throw ChangedDuringEnumeration();
            }

            yield return item;
        }

        foreach (var item in _added)
        {
            if (_copy is not null)
            {
                throw ChangedDuringEnumeration();
            }

            yield return item;
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static InvalidOperationException ChangedDuringEnumeration() => new("Collection was modified; enumeration operation may not execute.");

    /// <summary>The template and the additions as one list of their own, from the first change to the template's part on.</summary>
    private List<ServiceDescriptor> Copy()
    {
        if (_copy is null)
        {
            var copy = new List<ServiceDescriptor>(_template.Length + _added.Count + 8);
            copy.AddRange(_template);
            copy.AddRange(_added);
            _added.Clear();
            _copy = copy;
        }

        return _copy;
    }
}
