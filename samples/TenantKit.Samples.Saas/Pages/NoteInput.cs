using System.ComponentModel.DataAnnotations;
using TenantKit.Samples.Saas.Data;

namespace TenantKit.Samples.Saas.Pages;

/// <summary>What the note forms post.</summary>
public sealed class NoteInput
{
    [Required(ErrorMessage = "A note needs a title.")]
    [StringLength(Note.MaxTitleLength, ErrorMessage = "Keep the title under {1} characters.")]
    public string? Title { get; set; }

    [StringLength(Note.MaxTextLength, ErrorMessage = "Keep the text under {1} characters.")]
    public string? Text { get; set; }
}
