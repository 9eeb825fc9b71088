using System.Globalization;
using System.Text;
using Rendezvous.Server;
using Rendezvous.Store;

namespace Rendezvous.Cli;

/// <summary>The rdv commands. Exit codes: 0 success, 1 failure, 2 usage error.</summary>
public static class Commands
{
    private const string Usage =
        """
        Usage:
          rdv serve [--urls URL] [--data DIR] [--max-request-bytes N] [--max-depth N]
                                                              run the EWS server (default http://127.0.0.1:5000, ./rendezvous-data,
                                                              requests up to 10 MiB and 64 levels of nesting)
          rdv user add EMAIL [--name "Display Name"] [--password-stdin] [--data DIR]
          rdv user list [--data DIR]
          rdv user passwd EMAIL [--password-stdin] [--data DIR]
          rdv user remove EMAIL [--data DIR]
          rdv user working-hours EMAIL [--start 09:00 --end 18:00 --days Mon,Tue,Wed,Thu,Fri --tz Europe/Paris] [--reset] [--data DIR]
                                                              without options, print them; --tz takes an IANA or Windows id
        """;

    public static async Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        try
        {
            var options = Options.Parse(args);
            return options.Positional switch
            {
                ["serve"] => await ServeAsync(options, stdout),
                ["user", "add", var email] => await AddUserAsync(options, email, stdin, stdout),
                ["user", "list"] => await ListUsersAsync(options, stdout),
                ["user", "passwd", var email] => await SetPasswordAsync(options, email, stdin, stdout),
                ["user", "remove", var email] => await RemoveUserAsync(options, email, stdout),
                ["user", "working-hours", var email] => await WorkingHoursAsync(options, email, stdout),
                ["help"] or [] => Help(stdout),
                _ => Fail(stderr, "unknown command: " + string.Join(' ', options.Positional) + Environment.NewLine + Usage, 2),
            };
        }
        catch (UsageException e)
        {
            return Fail(stderr, e.Message + Environment.NewLine + Usage, 2);
        }
        catch (CommandException e)
        {
            return Fail(stderr, "rdv: " + e.Message, 1);
        }
    }

    private static int Help(TextWriter stdout)
    {
        stdout.WriteLine(Usage);
        return 0;
    }

    private static int Fail(TextWriter stderr, string message, int code)
    {
        stderr.WriteLine(message);
        return code;
    }

    private static async Task<int> ServeAsync(Options options, TextWriter stdout)
    {
        var serverOptions = new ServerOptions
        {
            Urls = options.Get("--urls") ?? "http://127.0.0.1:5000",
            DataDirectory = options.Data,
            Limits = new Protocol.XmlLimits(
                options.GetNumber("--max-request-bytes") ?? new Protocol.XmlLimits().MaxRequestBytes,
                (int)(options.GetNumber("--max-depth") ?? new Protocol.XmlLimits().MaxDepth)),
        };
        await using var server = await RendezvousServer.StartAsync(serverOptions);
        var users = await server.Store.ListUsersAsync(CancellationToken.None);
        stdout.WriteLine($"Rendezvous listening on {string.Join(", ", server.Addresses)}");
        stdout.WriteLine($"EWS endpoint: {server.EwsUrl}");
        stdout.WriteLine($"Data: {server.DataPath} ({users.Count} user{(users.Count == 1 ? "" : "s")})");
        if (users.Count == 0)
        {
            stdout.WriteLine($"No users yet: add one with `rdv user add alice@example.com --data {options.Data}`.");
        }

        stdout.Flush();
        await server.WaitForShutdownAsync();
        return 0;
    }

    private static async Task<SqliteMailStore> OpenStoreAsync(Options options) =>
        await SqliteMailStore.OpenAsync(options.Data, CancellationToken.None);

    private static async Task<int> AddUserAsync(Options options, string email, TextReader stdin, TextWriter stdout)
    {
        if (!email.Contains('@', StringComparison.Ordinal) || email.StartsWith('@') || email.EndsWith('@'))
        {
            throw new UsageException($"'{email}' is not an email address.");
        }

        var password = ReadPassword(options, stdin, stdout, confirm: true);
        var name = options.Get("--name") ?? email[..email.IndexOf('@', StringComparison.Ordinal)];
        await using var store = await OpenStoreAsync(options);
        try
        {
            await store.AddUserAsync(email, name, PasswordHasher.Hash(password), CancellationToken.None);
        }
        catch (DuplicateException e)
        {
            throw new CommandException(e.Message);
        }

        stdout.WriteLine($"added {email} ({name})");
        return 0;
    }

    private static async Task<int> ListUsersAsync(Options options, TextWriter stdout)
    {
        await using var store = await OpenStoreAsync(options);
        foreach (var user in await store.ListUsersAsync(CancellationToken.None))
        {
            stdout.WriteLine($"{user.Address}\t{user.DisplayName}");
        }

        return 0;
    }

    private static async Task<int> SetPasswordAsync(Options options, string email, TextReader stdin, TextWriter stdout)
    {
        var password = ReadPassword(options, stdin, stdout, confirm: true);
        await using var store = await OpenStoreAsync(options);
        if (!await store.SetPasswordHashAsync(email, PasswordHasher.Hash(password), CancellationToken.None))
        {
            throw new CommandException($"no user {email}");
        }

        stdout.WriteLine($"password changed for {email}");
        return 0;
    }

    private static async Task<int> RemoveUserAsync(Options options, string email, TextWriter stdout)
    {
        await using var store = await OpenStoreAsync(options);
        if (!await store.RemoveUserAsync(email, CancellationToken.None))
        {
            throw new CommandException($"no user {email}");
        }

        stdout.WriteLine($"removed {email} and their mailbox");
        return 0;
    }

    private static async Task<int> WorkingHoursAsync(Options options, string email, TextWriter stdout)
    {
        await using var store = await OpenStoreAsync(options);
        var user = await store.FindUserAsync(email, CancellationToken.None) ?? throw new CommandException($"no user {email}");
        var current = await store.GetWorkingHoursAsync(user.MailboxId, CancellationToken.None);
        if (options.Has("--reset"))
        {
            await store.SetWorkingHoursAsync(user.MailboxId, null, CancellationToken.None);
            current = null;
        }
        else if (options.Get("--start") is not null || options.Get("--end") is not null || options.Get("--days") is not null || options.Get("--tz") is not null)
        {
            var from = current ?? Protocol.WorkingHours.Default;
            var start = options.Get("--start") is { } s ? Minutes(s, "--start") : from.StartMinutes;
            var end = options.Get("--end") is { } e ? Minutes(e, "--end") : from.EndMinutes;
            if (end <= start)
            {
                throw new UsageException("--end must be after --start");
            }

            var days = options.Get("--days") is { } d ? Days(d) : from.Days;
            var zone = from.TimeZoneId;
            if (options.Get("--tz") is { } tz)
            {
                zone = Protocol.TimeZones.Find(tz) is not null ? tz : throw new UsageException($"unknown time zone '{tz}' (use an IANA id such as Europe/Paris or a Windows id)");
            }

            current = new Protocol.WorkingHours(days, start, end, zone);
            await store.SetWorkingHoursAsync(user.MailboxId, current, CancellationToken.None);
        }

        var hours = current ?? Protocol.WorkingHours.Default;
        var names = string.Join(',', Protocol.WorkingHours.WeekOrder.Where(hours.Days.Contains).Select(day => day.ToString()[..3]));
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{user.Address}\t{hours.StartMinutes / 60:00}:{hours.StartMinutes % 60:00}-{hours.EndMinutes / 60:00}:{hours.EndMinutes % 60:00}\t{names}\t{hours.TimeZoneId ?? TimeZoneInfo.Local.Id + " (server)"}{(current is null ? "\t(default)" : "")}"));
        return 0;
    }

    /// <summary>"HH:mm" as minutes from midnight; 24:00 closes the day.</summary>
    private static int Minutes(string text, string option)
    {
        var parts = text.Split(':');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var h)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var m)
            && m < 60 && h * 60 + m <= 1440
            ? h * 60 + m
            : throw new UsageException($"{option} needs a time such as 09:00");
    }

    private static List<DayOfWeek> Days(string text)
    {
        var days = new List<DayOfWeek>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var day = Protocol.WorkingHours.WeekOrder.FirstOrDefault(d => d.ToString().StartsWith(name, StringComparison.OrdinalIgnoreCase) && name.Length >= 2, (DayOfWeek)(-1));
            if (day == (DayOfWeek)(-1))
            {
                throw new UsageException($"unknown day '{name}' in --days (use Mon,Tue,Wed,Thu,Fri,Sat,Sun)");
            }

            if (!days.Contains(day))
            {
                days.Add(day);
            }
        }

        return days.Count > 0 ? days : throw new UsageException("--days needs at least one day");
    }

    /// <summary>The password from stdin (--password-stdin, or when stdin is not a terminal), else a hidden prompt.</summary>
    private static string ReadPassword(Options options, TextReader stdin, TextWriter stdout, bool confirm)
    {
        string? password;
        if (options.Has("--password-stdin") || Console.IsInputRedirected)
        {
            password = stdin.ReadLine();
        }
        else
        {
            password = Prompt("Password: ", stdout);
            if (confirm && Prompt("Repeat password: ", stdout) != password)
            {
                throw new CommandException("the passwords do not match");
            }
        }

        return string.IsNullOrEmpty(password) ? throw new CommandException("the password is empty") : password;
    }

    private static string Prompt(string label, TextWriter stdout)
    {
        stdout.Write(label);
        stdout.Flush();
        var text = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                break;
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (text.Length > 0)
                {
                    text.Length--;
                }

                continue;
            }

            text.Append(key.KeyChar);
        }

        stdout.WriteLine();
        return text.ToString();
    }

    private sealed class Options
    {
        private static readonly HashSet<string> Flags = ["--password-stdin", "--reset"];
        private static readonly HashSet<string> Valued = ["--urls", "--data", "--name", "--max-request-bytes", "--max-depth", "--start", "--end", "--days", "--tz"];
        private readonly Dictionary<string, string> values = [];
        private readonly HashSet<string> flags = [];

        public List<string> Positional { get; } = [];

        public string Data => Get("--data") ?? Environment.GetEnvironmentVariable("RDV_DATA") ?? "rendezvous-data";

        public string? Get(string name) => values.GetValueOrDefault(name);

        public bool Has(string flag) => flags.Contains(flag);

        public long? GetNumber(string name) =>
            Get(name) is not { } text ? null
            : long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n > 0 ? n
            : throw new UsageException($"{name} needs a positive whole number");

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
}

internal sealed class UsageException(string message) : Exception(message);

internal sealed class CommandException(string message) : Exception(message);
