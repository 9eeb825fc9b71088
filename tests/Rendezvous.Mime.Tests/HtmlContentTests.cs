namespace Rendezvous.Mime.Tests;

/// <summary>HTML bodies asked for as Text, and FilterHtmlContent, as Exchange answers them.</summary>
public sealed class HtmlContentTests
{
    [Theory]
    // exchangelib's test_raw_service_call: Exchange ends the converted body with a line break.
    [InlineData("<html><body>Hello HTML</body></html>", "Hello HTML\r\n")]
    [InlineData("<p>one</p><p>two</p>", "one\r\ntwo\r\n")]
    [InlineData("a<br>b<br/>c", "a\r\nb\r\nc\r\n")]
    [InlineData("<div>  lots   of\n\n space </div>", "lots of space\r\n")]
    [InlineData("<b>bold</b> and <i>italic</i>", "bold and italic\r\n")]
    [InlineData("<html><head><title>T</title><style>p{}</style></head><body>x &amp; y &lt;z&gt;</body></html>", "x & y <z>\r\n")]
    [InlineData("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\r\nc\r\n")]
    [InlineData("<pre>line 1\n  line 2</pre>", "line 1\r\n  line 2\r\n")]
    [InlineData("<p>unclosed <b>markup", "unclosed markup\r\n")]
    [InlineData("", "")]
    [InlineData("<p> </p>", "")]
    public void ToText_answers_as_Exchange(string html, string expected) => Assert.Equal(expected, HtmlContent.ToText(html));

    [Fact]
    public void Filter_removes_scripts_handlers_and_javascript_urls()
    {
        var filtered = HtmlContent.Filter("<p onclick=\"steal()\">Hi<script>alert(1)</script> <a href=\"javascript:x()\">link</a><iframe src=\"http://e\"></iframe></p>");

        Assert.DoesNotContain("script", filtered, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("onclick", filtered, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("javascript:", filtered, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("iframe", filtered, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Hi", filtered, StringComparison.Ordinal);
        Assert.Contains("link", filtered, StringComparison.Ordinal);
        Assert.StartsWith("<html>\r\n<head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">", filtered, StringComparison.Ordinal);
    }

    [Fact]
    public void Filter_keeps_safe_markup()
    {
        var filtered = HtmlContent.Filter("<p>Hello <b>bold</b></p>");

        Assert.Contains("<p>Hello <b>bold</b></p>", filtered, StringComparison.Ordinal);
    }
}
