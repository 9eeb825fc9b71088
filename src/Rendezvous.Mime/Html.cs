namespace Rendezvous.Mime;

/// <summary>The plain text of an HTML body for iCalendar's DESCRIPTION (text only): lines end with LF, none at the end.</summary>
internal static class Html
{
    public static string ToText(string html) => HtmlContent.ToText(html).TrimEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
}
