using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Ganss.Xss;

namespace Rendezvous.Mime;

/// <summary>
/// Body conversions as Exchange answers them: an HTML body asked for as Text (BodyType Text, TextBody), and an HTML
/// body asked for with FilterHtmlContent (scripts, event handlers and other unsafe content removed). Parsed by
/// AngleSharp, an HTML5 parser, so malformed markup converts as a browser would read it.
/// </summary>
public static class HtmlContent
{
    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "table", "ul", "ol", "dl", "dt", "dd", "blockquote",
        "pre", "hr", "address", "section", "article", "header", "footer", "nav", "aside", "form", "fieldset", "figure",
    };

    private static readonly HashSet<string> Unseen = new(StringComparer.OrdinalIgnoreCase) { "head", "title", "script", "style", "template" };

    /// <summary>
    /// The text of an HTML body: markup dropped, entities decoded, white space collapsed as a browser does, a line per
    /// block and per line break, lines ending with CRLF.
    /// Note: Exchange ends a converted body with a line break ("Hello HTML\r\n"); exchangelib's attachment tests
    /// (test_raw_service_call) compare against exactly that.
    /// </summary>
    public static string ToText(string html)
    {
        ArgumentNullException.ThrowIfNull(html);
        if (html.Length == 0)
        {
            return "";
        }

        var document = new HtmlParser().ParseDocument(html);
        var text = new TextBuilder();
        Walk(document.Body ?? (INode?)document.DocumentElement, text, preformatted: false);
        return text.ToString();
    }

    /// <summary>
    /// An HTML body with what a client must not render removed (FilterHtmlContent): scripts, event handler attributes,
    /// javascript: URLs, frames, forms. Answered as a whole document with its charset named, as Exchange does.
    /// </summary>
    public static string Filter(string html)
    {
        ArgumentNullException.ThrowIfNull(html);

        // A sanitizer per call: the instance holds mutable allow lists, and filtered reads are rare.
        var body = new HtmlSanitizer().Sanitize(html);
        return "<html>\r\n<head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\r\n</head>\r\n<body>\r\n" + body + "\r\n</body>\r\n</html>\r\n";
    }

    private static void Walk(INode? node, TextBuilder text, bool preformatted)
    {
        if (node is null)
        {
            return;
        }

        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case IText t:
                    text.Append(t.Data, preformatted);
                    break;
                case IElement e when Unseen.Contains(e.LocalName):
                    break;
                case IElement e when e.LocalName.Equals("br", StringComparison.OrdinalIgnoreCase):
                    text.LineBreak();
                    break;
                case IElement e when e.LocalName is "td" or "th":
                    text.Separate();
                    Walk(e, text, preformatted);
                    break;
                case IElement e when Blocks.Contains(e.LocalName):
                    text.EndLine();
                    Walk(e, text, preformatted || e.LocalName.Equals("pre", StringComparison.OrdinalIgnoreCase));
                    text.EndLine();
                    break;
                case IElement e:
                    Walk(e, text, preformatted);
                    break;
            }
        }
    }

    /// <summary>Text with HTML's white space rules: runs collapse to one space, none at a line's start or end.</summary>
    private sealed class TextBuilder
    {
        private readonly StringBuilder lines = new();
        private readonly StringBuilder line = new();
        private bool pendingSpace;

        public void Append(string data, bool preformatted)
        {
            foreach (var c in data)
            {
                if (preformatted && c == '\n')
                {
                    LineBreak();
                }
                else if (char.IsWhiteSpace(c) && !preformatted)
                {
                    pendingSpace = line.Length > 0;
                }
                else if (c != '\r')
                {
                    if (pendingSpace)
                    {
                        line.Append(' ');
                        pendingSpace = false;
                    }

                    line.Append(c);
                }
            }
        }

        /// <summary>A table cell's separation from the one before it.</summary>
        public void Separate() => pendingSpace = line.Length > 0;

        /// <summary>A br: the line ends, even when empty.</summary>
        public void LineBreak()
        {
            lines.Append(line).Append("\r\n");
            line.Clear();
            pendingSpace = false;
        }

        /// <summary>A block's edge: the line ends unless nothing is on it.</summary>
        public void EndLine()
        {
            if (line.Length > 0)
            {
                LineBreak();
            }
        }

        public override string ToString()
        {
            EndLine();
            var all = lines.ToString();
            var trimmed = all.Trim('\r', '\n');
            return trimmed.Length == 0 ? "" : trimmed + "\r\n";
        }
    }
}
