using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Rendezvous.Tests.Infrastructure;

/// <summary>
/// The requests real clients sent, as recorded in the project's shared captures and copied into tests/data/captures.
/// They use placeholder ids (CAL-1, CK-CAL-1, MR-1, CK-MR-1) that a replay swaps for real ones.
/// </summary>
public static partial class Captures
{
    public const string Exchangelib = "exchangelib";
    public const string EwsJavascriptApi = "ews-javascript-api";

    public static string Directory => TestData.Path("captures");

    /// <summary>The request files of a capture in the order the client sent them, without the credential-less tries.</summary>
    public static IReadOnlyList<string> Files(string client, string capture) =>
        [.. System.IO.Directory.GetFiles(Path.Combine(Directory, client, capture), "*.xml")
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(f => !f.Contains("_UNAUTH", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];

    public static string Read(string client, string capture, string file) =>
        File.ReadAllText(Path.Combine(Directory, client, capture, file));

    /// <summary>
    /// The capture text with each placeholder attribute value ("MR-1", "CK-MR-1", ...) replaced by a real one.
    /// Fails if a placeholder is left, so a replay never sends a dummy id by mistake.
    /// </summary>
    public static string Substitute(string text, params (string Placeholder, string Value)[] ids)
    {
        // Longest first: "CK-MR-1" contains "MR-1"; whole quoted values only.
        foreach (var (placeholder, value) in ids.OrderByDescending(i => i.Placeholder.Length))
        {
            text = text.Replace($"\"{placeholder}\"", $"\"{value}\"", StringComparison.Ordinal);
        }

        var left = Placeholder().Match(text);
        Assert.False(left.Success, $"placeholder {left.Value} left in the request");
        return text;
    }

    [GeneratedRegex("\"(CK-)?(CAL|MR)-[0-9]+\"")]
    private static partial Regex Placeholder();
}

/// <summary>
/// The XML samples of tests/data/seed/propose-new-time.fr.md, the article the project started from, read at run time.
/// </summary>
public static partial class Seed
{
    public static string DocumentPath => TestData.Path("seed", "propose-new-time.fr.md");

    /// <summary>Every ```xml block of the article, in document order, exactly as written.</summary>
    public static IReadOnlyList<string> XmlBlocks() =>
        [.. XmlBlock().Matches(File.ReadAllText(DocumentPath)).Select(m => m.Groups[1].Value)];

    /// <summary>The request sample (not a response sample) whose soap:Body holds <paramref name="operation"/>, as written.</summary>
    public static string Request(string operation)
    {
        var matching = XmlBlocks().Where(b => OperationOf(b) == operation).ToList();
        return Assert.Single(matching);
    }

    /// <summary>The response sample whose soap:Body holds m:{operation}Response, as written.</summary>
    public static string Response(string operation) => Request(operation + "Response");

    /// <summary>
    /// The sample with its namespaces fixed: the article writes https:// schema URIs, which Exchange refuses; the real
    /// ones are http:// (ews-calendar-digest.md §1.1 and §5.3).
    /// </summary>
    public static string WithHttpNamespaces(string sample) =>
        sample.Replace("https://schemas.", "http://schemas.", StringComparison.Ordinal);

    private static string OperationOf(string block)
    {
        var body = XDocument.Parse(WithHttpNamespaces(block)).Root!.Elements().Single(e => e.Name.LocalName == "Body");
        return body.Elements().First().Name.LocalName;
    }

    [GeneratedRegex("```xml\\s*\\n(.*?)```", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex XmlBlock();
}
