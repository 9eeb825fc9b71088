using System.Net;
using System.Text.RegularExpressions;

namespace Rendezvous.Mime;

/// <summary>The plain text of an HTML body, for iCalendar's DESCRIPTION (text only); linear in the input (no backtracking).</summary>
internal static partial class Html
{
    public static string ToText(string html)
    {
        var breaks = Breaks().Replace(html, "\n");
        return WebUtility.HtmlDecode(Tags().Replace(breaks, "")).Trim();
    }

    [GeneratedRegex("<br\\s*/?>|</p>|</div>", RegexOptions.IgnoreCase | RegexOptions.NonBacktracking)]
    private static partial Regex Breaks();

    [GeneratedRegex("<[^>]*>", RegexOptions.NonBacktracking)]
    private static partial Regex Tags();
}
