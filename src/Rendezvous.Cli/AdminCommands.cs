using System.Globalization;
using Rendezvous.Server;
using Rendezvous.Store;

namespace Rendezvous.Cli;

/// <summary>rdv serve and rdv user: run the server and manage its users, working on the data folder directly.</summary>
internal static class AdminCommands
{
    /// <summary>Where pushes may go (--push-allow: those networks only) and how long a node holds a push subscription's lease (--push-lease).</summary>
    private static Services.NotificationOptions NotificationOptionsFrom(Options options)
    {
        var notifications = new Services.NotificationOptions();
        if (options.Get("--push-allow") is not null)
        {
            var networks = options.GetList("--push-allow");
            foreach (var network in networks)
            {
                if (!System.Net.IPNetwork.TryParse(network, out _))
                {
                    throw new UsageException($"--push-allow: {network} is not a network (CIDR, as 10.0.0.0/8)");
                }
            }

            notifications = notifications with { PushTargets = new Services.PushTargetPolicy { AllowedNetworks = networks } };
        }

        if (options.GetNumber("--push-lease") is { } lease)
        {
            notifications = notifications with { PushLease = TimeSpan.FromSeconds(lease) };
        }

        return notifications;
    }

    public static async Task<int> ServeAsync(Options options, TextWriter stdout, CancellationToken cancellationToken)
    {
        var serverOptions = new ServerOptions
        {
            Urls = options.Get("--urls") ?? "http://127.0.0.1:5000",
            DataDirectory = options.Data,
            Store = options.Store,
            PublicUrl = options.Get("--public-url"),
            CertificatePath = options.Get("--cert"),
            KeyPath = options.Get("--key"),
            AllowInsecureBasic = options.Has("--allow-insecure-basic"),
            Limits = new Protocol.XmlLimits(
                options.GetNumber("--max-request-bytes") ?? new Protocol.XmlLimits().MaxRequestBytes,
                (int)(options.GetNumber("--max-depth") ?? new Protocol.XmlLimits().MaxDepth)),
            RequestLimits = RequestLimitsFrom(options),
            Connections = ConnectionLimits(options),
            Attachments = new Services.AttachmentLimits
            {
                MaxAttachmentBytes = options.GetNumber("--max-attachment-bytes") ?? new Services.AttachmentLimits().MaxAttachmentBytes,
                MaxAttachmentsPerItem = (int)(options.GetNumber("--max-attachments") ?? new Services.AttachmentLimits().MaxAttachmentsPerItem),
            },
            JsonLog = options.Has("--log-json"),
            RequestLog = !options.Has("--no-request-log"),
            HttpsRedirect = options.Has("--https-redirect"),
        };
        if (options.Get("--metrics-allow") is not null)
        {
            serverOptions.MetricsAllowedNetworks = options.GetList("--metrics-allow");
        }

        if (options.GetCount("--shutdown-timeout") is { } drain)
        {
            serverOptions.ShutdownTimeout = TimeSpan.FromSeconds(drain);
        }

        serverOptions.Notifications = NotificationOptionsFrom(options);
        if (serverOptions.KeyPath is not null && serverOptions.CertificatePath is null)
        {
            throw new UsageException("--key needs --cert");
        }

        RendezvousServer server;
        try
        {
            server = await RendezvousServer.StartAsync(serverOptions, cancellationToken: cancellationToken);
        }
        catch (ServerStartException e)
        {
            throw new CommandException(e.Message);
        }

        await using var running = server;
        var users = await server.Store.ListUsersAsync(cancellationToken);
        stdout.WriteLine($"Rendezvous listening on {string.Join(", ", server.Addresses)}");
        stdout.WriteLine($"EWS endpoint: {server.PublicEwsUrl}");
        stdout.WriteLine($"Autodiscover: {new Uri(server.PublicUrl, "autodiscover/autodiscover.xml").AbsoluteUri} (and .svc, .json)");
        stdout.WriteLine($"Data: {server.DataPath} ({users.Count} user{(users.Count == 1 ? "" : "s")})");
        if (users.Count == 0)
        {
            stdout.WriteLine($"No users yet: add one with `rdv user add alice@example.com --data {options.Data}`.");
        }

        stdout.Flush();
        await server.WaitForShutdownAsync(cancellationToken);
        return 0;
    }

    /// <summary>rdv backup FILE: a consistent copy of the SQLite store, made while the server runs (SqliteBackup).</summary>
    public static async Task<int> BackupAsync(Options options, string file, TextWriter stdout, CancellationToken cancellationToken)
    {
        // The database's own tools back up PostgreSQL (docs/deployment.md): never a SQLite copy of a folder it does not use.
        if (options.Store.Kind == Server.StoreKind.Postgres)
        {
            throw new CommandException("rdv backup is for the SQLite store; with --store postgres, back up the database with its own tools", [
                $"pg_dump --format=custom --file={file} \"<connection>\"   (a consistent snapshot, while the servers run)",
                "or pg_basebackup with WAL archiving for point-in-time recovery; see docs/deployment.md, \"Backups: PostgreSQL\"",
            ]);
        }

        try
        {
            var version = await SqliteBackup.BackupAsync(options.Data, file, cancellationToken);
            stdout.WriteLine($"backed up {SqliteMailStore.PathIn(options.Data)} to {Path.GetFullPath(file)} (migration version {version})");
            return 0;
        }
        catch (BackupException e)
        {
            throw new CommandException(e.Message);
        }
    }

    /// <summary>rdv restore FILE: the store replaced by a checked backup, refused while a server holds it.</summary>
    public static async Task<int> RestoreAsync(Options options, string file, TextWriter stdout, CancellationToken cancellationToken)
    {
        if (options.Store.Kind == Server.StoreKind.Postgres)
        {
            throw new CommandException("rdv restore is for the SQLite store; with --store postgres, restore the database with its own tools", [
                $"pg_restore --clean --if-exists --no-owner --dbname=\"<connection>\" {file}   (with the servers stopped)",
                "see docs/deployment.md, \"Backups: PostgreSQL\"",
            ]);
        }

        try
        {
            var version = await SqliteBackup.RestoreAsync(file, options.Data, cancellationToken);
            stdout.WriteLine($"restored {Path.GetFullPath(file)} (migration version {version}) into {SqliteMailStore.PathIn(options.Data)}");
            if (version < SqliteMailStore.SchemaVersion)
            {
                stdout.WriteLine($"the server migrates it to version {SqliteMailStore.SchemaVersion} when it next starts");
            }

            return 0;
        }
        catch (BackupException e)
        {
            throw new CommandException(e.Message);
        }
    }

    /// <summary>rdv dev-cert: a self-signed localhost certificate and its key, as PEM files for --cert and --key.</summary>
    public static async Task<int> DevCertAsync(Options options, TextWriter stdout, CancellationToken cancellationToken)
    {
        using var certificate = DevCertificate.Create(TimeProvider.System);
        var (cert, key) = await DevCertificate.WriteAsync(certificate, options.Get("--out") ?? ".", cancellationToken);
        stdout.WriteLine($"Certificate: {cert} (CN=localhost, 127.0.0.1, ::1; valid until {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}; SHA-256 {certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)})");
        stdout.WriteLine($"Key: {key}");
        stdout.WriteLine($"Serve with: rdv serve --urls https://127.0.0.1:5001 --cert {cert} --key {key}");
        return 0;
    }

    /// <summary>--max-batch sets every per-request count (ids, items and folders per create, changes per update) at once.</summary>
    private static Protocol.RequestLimits RequestLimitsFrom(Options options)
    {
        var limits = new Protocol.RequestLimits();
        if (options.GetNumber("--max-batch") is { } batch)
        {
            var n = (int)Math.Min(batch, int.MaxValue);
            limits = limits with { MaxIdsPerRequest = n, MaxItemsPerCreate = n, MaxFoldersPerCreate = n, MaxChangesPerUpdate = n };
        }

        return limits with
        {
            MaxFindCount = (int)Math.Min(options.GetNumber("--max-find") ?? limits.MaxFindCount, int.MaxValue),
            MaxResponseItemBytes = options.GetNumber("--max-response-item-bytes") ?? limits.MaxResponseItemBytes,
            MaxConcurrentLargeRequests = (int)Math.Min(options.GetNumber("--max-large-requests") ?? limits.MaxConcurrentLargeRequests, int.MaxValue),
        };
    }

    private static ConnectionLimits ConnectionLimits(Options options)
    {
        var defaults = new ConnectionLimits();
        static int Int(long value, string name) => value <= int.MaxValue ? (int)value : throw new UsageException($"{name} is too large");
        return new ConnectionLimits
        {
            MaxConnections = options.GetNumber("--max-connections") is { } max ? Int(max, "--max-connections") : defaults.MaxConnections,
            MaxConnectionsPerClient = options.GetCount("--max-connections-per-client") is { } perClient ? Int(perClient, "--max-connections-per-client") : defaults.MaxConnectionsPerClient,
            KeepAliveTimeout = options.GetNumber("--idle-timeout") is { } idle ? TimeSpan.FromSeconds(idle) : defaults.KeepAliveTimeout,
            RequestHeadersTimeout = options.GetNumber("--header-timeout") is { } headers ? TimeSpan.FromSeconds(headers) : defaults.RequestHeadersTimeout,
            MinDataRate = options.GetNumber("--min-data-rate") is { } rate ? rate : defaults.MinDataRate,
        };
    }

    internal static Task<IMailStore> OpenStoreAsync(Options options, CancellationToken cancellationToken) =>
        MailStores.OpenAsync(options.Store, cancellationToken);

    /// <summary>rdv migrate: the store's pending migrations, applied alone (before starting new nodes on an upgraded database).</summary>
    public static async Task<int> MigrateAsync(Options options, TextWriter stdout, CancellationToken cancellationToken)
    {
        var location = options.Store;
        await MailStores.MigrateAsync(location, cancellationToken);
        stdout.WriteLine($"{location.Description}: migrated, schema up to date");
        return 0;
    }

    public static async Task<int> AddUserAsync(Options options, string email, TextReader stdin, TextWriter stdout, CancellationToken cancellationToken)
    {
        CheckAddress(email);

        var password = Passwords.Read(options, stdin, stdout, confirm: true);
        var name = options.Get("--name") ?? email[..email.IndexOf('@', StringComparison.Ordinal)];
        var culture = Culture(options) ?? Domain.DefaultFolders.DefaultCulture;
        await using var store = await OpenStoreAsync(options, cancellationToken);
        try
        {
            await store.AddUserAsync(email, name, PasswordHasher.Hash(password), culture, cancellationToken);
        }
        catch (DuplicateException e)
        {
            throw new CommandException(e.Message);
        }

        stdout.WriteLine($"added {email} ({name})");
        return 0;
    }

    /// <summary>rdv user set: the mailbox's culture (its default folders renamed in it).</summary>
    public static async Task<int> SetUserAsync(Options options, string email, TextWriter stdout, CancellationToken cancellationToken)
    {
        var culture = Culture(options) ?? throw new UsageException("rdv user set needs --culture");
        await using var store = await OpenStoreAsync(options, cancellationToken);
        if (!await store.SetCultureAsync(email, culture, cancellationToken))
        {
            throw new CommandException($"no user {email}");
        }

        stdout.WriteLine($"{email}: culture {culture}");
        return 0;
    }

    private static string? Culture(Options options) => options.Get("--culture") switch
    {
        null => null,
        var c when Domain.DefaultFolders.IsCulture(c) => c,
        var c => throw new UsageException($"--culture needs a culture name such as da-DK, not '{c}'"),
    };

    public static async Task<int> ListUsersAsync(Options options, TextWriter stdout, CancellationToken cancellationToken)
    {
        await using var store = await OpenStoreAsync(options, cancellationToken);
        foreach (var user in await store.ListUsersAsync(cancellationToken))
        {
            stdout.WriteLine($"{user.Address}\t{user.DisplayName}");
        }

        return 0;
    }

    /// <summary>A usage error unless <paramref name="email"/> looks like an address (something on each side of an @).</summary>
    internal static void CheckAddress(string email)
    {
        if (!email.Contains('@', StringComparison.Ordinal) || email.StartsWith('@') || email.EndsWith('@'))
        {
            throw new UsageException($"'{email}' is not an email address.");
        }
    }

    /// <summary>rdv group add: members added to a server distribution list (created with its first member).</summary>
    public static async Task<int> AddGroupMembersAsync(Options options, string list, IReadOnlyList<string> members, TextWriter stdout, CancellationToken cancellationToken)
    {
        CheckAddress(list);
        foreach (var member in members)
        {
            CheckAddress(member);
        }

        await using var store = await OpenStoreAsync(options, cancellationToken);
        if (await store.FindUserAsync(list, cancellationToken) is not null)
        {
            throw new CommandException($"{list} is a user's address, not a list's");
        }

        foreach (var member in members)
        {
            var added = await store.AddDistributionListMemberAsync(list, options.Get("--name"), member, cancellationToken);
            stdout.WriteLine(added ? $"added {member} to {list}" : $"{member} is already in {list}");
        }

        return 0;
    }

    /// <summary>rdv group remove: members removed from a list; the list goes with its last member.</summary>
    public static async Task<int> RemoveGroupMembersAsync(Options options, string list, IReadOnlyList<string> members, TextWriter stdout, CancellationToken cancellationToken)
    {
        await using var store = await OpenStoreAsync(options, cancellationToken);
        if (await store.FindDistributionListAsync(list, cancellationToken) is null)
        {
            throw new CommandException($"no list {list}");
        }

        foreach (var member in members)
        {
            if (!await store.RemoveDistributionListMemberAsync(list, member, cancellationToken))
            {
                throw new CommandException($"{member} is not in {list}");
            }

            stdout.WriteLine($"removed {member} from {list}");
        }

        return 0;
    }

    /// <summary>rdv group list: the lists (address, name, member count), or one list's members.</summary>
    public static async Task<int> ListGroupsAsync(Options options, string? list, TextWriter stdout, CancellationToken cancellationToken)
    {
        await using var store = await OpenStoreAsync(options, cancellationToken);
        if (list is null)
        {
            foreach (var l in await store.ListDistributionListsAsync(cancellationToken))
            {
                stdout.WriteLine($"{l.Address}\t{l.DisplayName}\t{l.Members.Count} member{(l.Members.Count == 1 ? "" : "s")}");
            }

            return 0;
        }

        var found = await store.FindDistributionListAsync(list, cancellationToken) ?? throw new CommandException($"no list {list}");
        foreach (var member in found.Members)
        {
            stdout.WriteLine(member);
        }

        return 0;
    }

    public static async Task<int> SetPasswordAsync(Options options, string email, TextReader stdin, TextWriter stdout, CancellationToken cancellationToken)
    {
        var password = Passwords.Read(options, stdin, stdout, confirm: true);
        await using var store = await OpenStoreAsync(options, cancellationToken);
        if (!await store.SetPasswordHashAsync(email, PasswordHasher.Hash(password), cancellationToken))
        {
            throw new CommandException($"no user {email}");
        }

        stdout.WriteLine($"password changed for {email}");
        return 0;
    }

    public static async Task<int> RemoveUserAsync(Options options, string email, TextWriter stdout, CancellationToken cancellationToken)
    {
        await using var store = await OpenStoreAsync(options, cancellationToken);
        if (!await store.RemoveUserAsync(email, cancellationToken))
        {
            throw new CommandException($"no user {email}");
        }

        stdout.WriteLine($"removed {email} and their mailbox");
        return 0;
    }

    public static async Task<int> WorkingHoursAsync(Options options, string email, TextWriter stdout, CancellationToken cancellationToken)
    {
        await using var store = await OpenStoreAsync(options, cancellationToken);
        var user = await store.FindUserAsync(email, cancellationToken) ?? throw new CommandException($"no user {email}");
        var current = await store.GetWorkingHoursAsync(user.MailboxId, cancellationToken);
        if (options.Has("--reset"))
        {
            await store.SetWorkingHoursAsync(user.MailboxId, null, cancellationToken);
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
            await store.SetWorkingHoursAsync(user.MailboxId, current, cancellationToken);
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
}
