using System.Globalization;

namespace Rendezvous.Cli;

/// <summary>
/// The command line: positional words, known flags and known valued options (<c>--x v</c> or <c>--x=v</c>).
/// Anything else starting with '-' is a usage error, so a typo never passes silently.
/// </summary>
internal sealed class Options
{
    private static readonly HashSet<string> Flags =
    [
        "--password-stdin", "--reset", "--allow-insecure-basic", "--json", "--accept", "--tentative", "--decline", "--no-proposals",
    ];

    private static readonly HashSet<string> Valued =
    [
        "--urls", "--data", "--name", "--max-request-bytes", "--max-depth", "--max-batch", "--max-find", "--max-response-item-bytes", "--max-large-requests",
        "--max-connections", "--max-connections-per-client", "--idle-timeout", "--header-timeout", "--min-data-rate", "--start", "--end", "--days", "--tz",
        "--url", "--user", "--from", "--to", "--subject", "--id", "--message", "--optional", "--location", "--duration", "--occurrence",
        "--max-attachment-bytes", "--max-attachments", "--capacity", "--culture", "--public-url", "--cert", "--key", "--out",
        "--store", "--connection",
    ];

    private readonly Dictionary<string, string> values = [];
    private readonly HashSet<string> flags = [];

    public List<string> Positional { get; } = [];

    public string Data => Get("--data") ?? Environment.GetEnvironmentVariable("RDV_DATA") ?? "rendezvous-data";

    /// <summary>The store the command works on: <c>--store</c>/<c>RDV_STORE</c> and <c>--connection</c>/<c>RDV_CONNECTION</c>, else SQLite in <see cref="Data"/>.</summary>
    public Server.StoreLocation Store
    {
        get
        {
            try
            {
                return Server.StoreLocation.Parse(Get("--store") ?? Environment.GetEnvironmentVariable("RDV_STORE"),
                    Get("--connection") ?? Environment.GetEnvironmentVariable("RDV_CONNECTION"), Data);
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }
        }
    }

    public string? Get(string name) => values.GetValueOrDefault(name);

    public string Require(string name, string what) =>
        Get(name) ?? throw new UsageException($"{name} {what} is required");

    public bool Has(string flag) => flags.Contains(flag);

    public long? GetNumber(string name) =>
        Get(name) is not { } text ? null
        : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n
        : throw new UsageException($"{name} needs a positive whole number");

    /// <summary>A whole number that may be 0 (for "no limit").</summary>
    public long? GetCount(string name) =>
        Get(name) is not { } text ? null
        : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
        : throw new UsageException($"{name} needs a whole number (0 for no limit)");

    /// <summary>A comma-separated list ("a@x,b@x"), blanks dropped.</summary>
    public IReadOnlyList<string> GetList(string name) =>
        Get(name) is { } text ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];

    public static Options Parse(string[] args)
    {
        var options = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help")
            {
                options.Positional.Clear();
                options.Positional.Add("help");
                return options;
            }

            if (Flags.Contains(arg))
            {
                options.flags.Add(arg);
            }
            else if (Valued.Contains(arg))
            {
                options.values[arg] = i + 1 < args.Length ? args[++i] : throw new UsageException($"{arg} needs a value");
            }
            else if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains('=', StringComparison.Ordinal) && Valued.Contains(arg[..arg.IndexOf('=', StringComparison.Ordinal)]))
            {
                var eq = arg.IndexOf('=', StringComparison.Ordinal);
                options.values[arg[..eq]] = arg[(eq + 1)..];
            }
            else if (arg.StartsWith('-'))
            {
                throw new UsageException($"unknown option {arg}");
            }
            else
            {
                options.Positional.Add(arg);
            }
        }

        return options;
    }
}

/// <summary>The command line is wrong: exit 2 with the usage text.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The command could not do its job: exit 1 with one line, then <see cref="Details"/> (e.g. the candidates) indented.</summary>
internal sealed class CommandException(string message, IReadOnlyList<string>? details = null) : Exception(message)
{
    public IReadOnlyList<string> Details { get; } = details ?? [];
}
