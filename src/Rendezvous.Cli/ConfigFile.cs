namespace Rendezvous.Cli;

/// <summary>
/// The configuration file of <c>--config FILE</c>: one <c>key = value</c> a line, the key an option's name without its
/// dashes (<c>max-find = 500</c>), the value as on the command line, optionally in double quotes; a flag's value is
/// true or false. Blank lines and lines starting with '#' are skipped, and a comment after a value (" # ..."). An unknown key is an error naming it, so a typo
/// never passes silently, as on the command line. Example: docs/rendezvous.conf.
/// </summary>
internal static class ConfigFile
{
    /// <summary>The file's settings by option name ("--max-find"), each checked against the options the command line knows.</summary>
    public static Dictionary<string, string> Read(string path, Func<string, bool> isFlag, Func<string, bool> isValued)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CommandException($"cannot read the configuration file {path}: {e.Message}");
        }

        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var where = $"{path}:{i + 1}";
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new CommandException($"{where}: expected key = value, not '{line}'");
            }

            var key = line[..eq].Trim();
            var option = "--" + key;
            if (key.StartsWith('-') || option == "--config" || !(isFlag(option) || isValued(option)))
            {
                throw new CommandException($"{where}: unknown key '{key}'");
            }

            var value = Value(line[(eq + 1)..].Trim(), where);

            if (!settings.TryAdd(option, value))
            {
                throw new CommandException($"{where}: '{key}' is set twice");
            }
        }

        return settings;
    }

    /// <summary>The value: inside its double quotes if quoted, else up to a comment (" #") if any.</summary>
    private static string Value(string text, string where)
    {
        if (text.StartsWith('"'))
        {
            var close = text.IndexOf('"', 1);
            var rest = close < 0 ? "" : text[(close + 1)..].Trim();
            return close > 0 && (rest.Length == 0 || rest.StartsWith('#'))
                ? text[1..close]
                : throw new CommandException($"{where}: a quoted value ends with its closing quote (then at most a # comment)");
        }

        var comment = text.IndexOf(" #", StringComparison.Ordinal);
        var tab = text.IndexOf("\t#", StringComparison.Ordinal);
        var cut = comment < 0 ? tab : tab < 0 ? comment : Math.Min(comment, tab);
        return (cut < 0 ? text : text[..cut]).Trim();
    }

    /// <summary>A flag's value from the environment or the file: true or false (also 1/0, yes/no, on/off).</summary>
    public static bool Switch(string value, string source) => value.Trim().ToUpperInvariant() switch
    {
        "TRUE" or "1" or "YES" or "ON" => true,
        "FALSE" or "0" or "NO" or "OFF" => false,
        _ => throw new UsageException($"{source} is a switch: true or false, not '{value}'"),
    };
}
