using System.Text.Encodings.Web;
using System.Text.Json;

namespace Rendezvous.Cli;

/// <summary>What the client commands print: aligned tables for people, one JSON document for scripts.</summary>
internal static class Output
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        // stdout is not HTML: keep '+' in offsets and accented names readable instead of \u002B escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Json<T>(TextWriter stdout, T value) => stdout.WriteLine(JsonSerializer.Serialize(value, JsonOptions));

    /// <summary>Columns padded to their widest cell; the last one is left ragged so long ids do not pad every line.</summary>
    public static void Table(TextWriter stdout, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, string indent = "")
    {
        var all = rows.Select(row => row.Select(OneLine).ToList()).ToList();
        var widths = headers.Select((header, column) => all.Select(row => row[column].Length).Append(header.Length).Max()).ToList();
        Write(headers);
        foreach (var row in all)
        {
            Write(row);
        }

        void Write(IReadOnlyList<string> cells)
        {
            var line = string.Join("  ", cells.Select((cell, column) => column == cells.Count - 1 ? cell : cell.PadRight(widths[column])));
            stdout.WriteLine(indent + line.TrimEnd());
        }
    }

    /// <summary>Text from the server (subjects, messages) on one line, so it cannot break a table or an error line.</summary>
    public static string OneLine(string? text) =>
        string.IsNullOrEmpty(text) ? "" : string.Join(' ', text.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    public static string YesNo(bool value) => value ? "yes" : "no";
}
