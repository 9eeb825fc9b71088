using Rendezvous.Client;
using Rendezvous.Protocol;

namespace Rendezvous.Cli;

/// <summary>The rdv commands. Exit codes: 0 success, 1 failure, 2 usage error, 130 interrupted.</summary>
public static class Commands
{
    private const string Usage =
        """
        Usage:
          rdv serve [--urls URL] [--data DIR] [--max-request-bytes N] [--max-depth N] [--max-batch N] [--max-find N]
                    [--max-response-item-bytes N] [--max-large-requests N] [--max-attachment-bytes N] [--max-attachments N]
                    [--max-connections N] [--max-connections-per-client N] [--idle-timeout S] [--header-timeout S] [--min-data-rate B]
                    [--public-url URL] [--cert FILE --key FILE] [--allow-insecure-basic]
                    [--metrics-allow CIDR,...] [--shutdown-timeout S] [--log-json] [--no-request-log] [--https-redirect]
                    [--push-allow CIDR,...] [--push-lease S]
                                                              run the EWS server (default http://127.0.0.1:5000, ./rendezvous-data,
                                                              requests up to 10 MiB and 64 levels of nesting, 1,000 ids, items
                                                              or changes a request, finds of 1,000, 16 MiB of items a GetItem;
                                                              1,000 connections, 100 per client address (0: no limit), idle ones
                                                              closed after 30 s, headers within 10 s, bodies at 240 bytes/s at least)
                                                              https:// URLs need --cert and --key (PEM); plain http:// beyond
                                                              loopback needs --allow-insecure-basic; --public-url is the base URL
                                                              autodiscover gives out (default: the first URL listened on)
                                                              /health/live, /health/ready and /metrics (Prometheus) answer
                                                              unauthenticated; /metrics only to --metrics-allow (default
                                                              loopback); a stop waits --shutdown-timeout (30 s) for requests;
                                                              one log line per request (--log-json: JSON lines;
                                                              --no-request-log: none);
                                                              --https-redirect: plain http:// EWS requests from beyond
                                                              loopback get a 308 to the https:// address;
                                                              push notifications go only to --push-allow (default:
                                                              anywhere but loopback and link-local); a node holds a
                                                              push subscription --push-lease seconds (30) unrenewed
          rdv migrate [--data DIR | --store postgres --connection "Host=...;Database=...;Username=..."]
                                                              apply the store's pending migrations and exit
          rdv backup FILE [--data DIR]                        a consistent copy of the store, also while the server runs
          rdv restore FILE [--data DIR]                       replace the store with a backup (the server must be stopped)

        Every option can also be set in the environment (--max-find is RDV_MAX_FIND) or in the file of --config FILE
        (or RDV_CONFIG), one "key = value" a line (max-find = 500; a flag: allow-insecure-basic = true); the command
        line wins over the environment, which wins over the file. Example: docs/rendezvous.conf.

        Every command that works on the store (serve, migrate, user, room, roomlist, group) takes
        [--store sqlite|postgres] [--connection STRING] (RDV_STORE, RDV_CONNECTION): SQLite in --data by default

          rdv dev-cert [--out DIR]                            write a self-signed localhost certificate and key (PEM) for local use
          rdv user add EMAIL [--name "Display Name"] [--culture da-DK] [--password-stdin] [--data DIR]
                                                              --culture: the mailbox's language, in which its folders are
                                                              named (da, de, fr, sv, en; default en-US)
          rdv user set EMAIL --culture CULTURE [--data DIR]    rename the default folders in that culture
          rdv user list [--data DIR]
          rdv user passwd EMAIL [--password-stdin] [--data DIR]
          rdv user remove EMAIL [--data DIR]
          rdv user working-hours EMAIL [--start 09:00 --end 18:00 --days Mon,Tue,Wed,Thu,Fri --tz Europe/Paris] [--reset] [--data DIR]
                                                              without options, print them; --tz takes an IANA or Windows id
          rdv user grant-impersonation ACCOUNT [--for EMAIL,...] [--data DIR]
                                                              let ACCOUNT act as those mailboxes (no --for: every mailbox)
                                                              through ExchangeImpersonation
          rdv user grant-send-as ACCOUNT --for EMAIL,... | grant-send-on-behalf ACCOUNT --for EMAIL,... [--data DIR]
                                                              let ACCOUNT send as those mailboxes (From them alone), or on
                                                              their behalf (From them, Sender ACCOUNT)
          rdv user revoke-impersonation | revoke-send-as | revoke-send-on-behalf ACCOUNT [--for EMAIL,...] [--data DIR]
                                                              take the right back (no --for: all of that kind)
          rdv user grants ACCOUNT [--data DIR]                the rights ACCOUNT holds
          rdv room add EMAIL [--name "Room Name"] [--capacity N] [--data DIR]
                                                              a room mailbox: it books itself (accepts a meeting when free,
                                                              declines on a conflict) and cannot sign in
          rdv room list [--data DIR]
          rdv roomlist add EMAIL [--name "List Name"] [--data DIR]
          rdv roomlist add-room LIST ROOM | remove-room LIST ROOM | remove LIST | list [--data DIR]
                                                              room lists, as GetRoomLists and GetRooms give them
          rdv group add LIST MEMBER... [--name "Display Name"] [--data DIR]
                                                              add members (addresses) to a distribution list, made if new
          rdv group remove LIST MEMBER... [--data DIR]        remove members; a list goes with its last member
          rdv group list [LIST] [--data DIR]                  the lists (with a LIST: its members)

        Meetings, as one user of an EWS server:
          rdv invite --subject TEXT --start TIME --end TIME --to EMAIL[,EMAIL...] [--optional EMAIL,...] [--location TEXT]
                     [--message TEXT] [--no-proposals]        create a meeting and send the invitations
          rdv meetings [--from TIME] [--to TIME]              calendar items (default: the next 7 days) and pending requests,
                                                              with whether a new time may be proposed
          rdv propose (--subject TEXT | --id ID) --start TIME --end TIME [--tentative | --decline] [--message TEXT]
                                                              answer (accept unless told) and propose a new time
          rdv respond (--subject TEXT | --id ID) (--accept | --tentative | --decline) [--message TEXT]
          rdv proposals [--subject TEXT | --id ID]            as organizer: the new times attendees proposed
          rdv availability EMAIL... --from TIME --to TIME [--duration MINUTES]
                                                              free/busy of each mailbox and suggested times (default 30 min)
          rdv apply-proposal (--subject TEXT | --id ID) --from EMAIL
                                                              move the meeting to that attendee's proposal and send the update
          rdv cancel (--subject TEXT | --id ID) [--message TEXT]
                                                              cancel the meeting and tell the attendees
          propose, respond, proposals, apply-proposal and cancel take [--occurrence N | --occurrence DATE]: occurrence N
          (from 1) of the series named, or the one it had on DATE (yyyy-mm-dd, moved or not), alone; an occurrence's own
          id (rdv meetings lists them) given to --id does the same

          Every meeting command takes [--url URL] [--user EMAIL] [--password-stdin] [--tz ZONE] [--json].
          URL is the EWS endpoint (RDV_URL; a bare http://host:port gets /EWS/Exchange.asmx), EMAIL the user (RDV_USER).
          The password comes from RDV_PASSWORD, else stdin's first line, else a prompt; RDV_TOKEN signs in with a bearer
          token instead. TIME is ISO 8601: with an offset or Z it is an instant, without one a time in ZONE (IANA or
          Windows id; default the machine's zone), and a date alone is its midnight. Times are shown in ZONE.
        """;

    public static async Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken = default)
    {
        Options? options = null;
        try
        {
            options = Options.Parse(args);
            var parsed = options;
            return options.Positional switch
            {
                ["serve"] => await AdminCommands.ServeAsync(options, stdout, cancellationToken),
                ["migrate"] => await AdminCommands.MigrateAsync(options, stdout, cancellationToken),
                ["dev-cert"] => await AdminCommands.DevCertAsync(options, stdout, cancellationToken),
                ["backup", var file] => await AdminCommands.BackupAsync(options, file, stdout, cancellationToken),
                ["restore", var file] => await AdminCommands.RestoreAsync(options, file, stdout, cancellationToken),
                ["user", "add", var email] => await AdminCommands.AddUserAsync(options, email, stdin, stdout, cancellationToken),
                ["user", "list"] => await AdminCommands.ListUsersAsync(options, stdout, cancellationToken),
                ["user", "passwd", var email] => await AdminCommands.SetPasswordAsync(options, email, stdin, stdout, cancellationToken),
                ["user", "remove", var email] => await AdminCommands.RemoveUserAsync(options, email, stdout, cancellationToken),
                ["user", "working-hours", var email] => await AdminCommands.WorkingHoursAsync(options, email, stdout, cancellationToken),
                ["room", "add", var email] => await RoomCommands.AddRoomAsync(options, email, stdout, cancellationToken),
                ["room", "list"] => await RoomCommands.ListRoomsAsync(options, stdout, cancellationToken),
                ["roomlist", "add", var email] => await RoomCommands.AddListAsync(options, email, stdout, cancellationToken),
                ["roomlist", "remove", var email] => await RoomCommands.RemoveListAsync(options, email, stdout, cancellationToken),
                ["roomlist", "add-room", var list, var room] => await RoomCommands.SetMemberAsync(options, list, room, true, stdout, cancellationToken),
                ["roomlist", "remove-room", var list, var room] => await RoomCommands.SetMemberAsync(options, list, room, false, stdout, cancellationToken),
                ["roomlist", "list"] => await RoomCommands.ListListsAsync(options, stdout, cancellationToken),
                ["group", "add", var list, .. var members] when members.Count > 0 => await AdminCommands.AddGroupMembersAsync(options, list, members, stdout, cancellationToken),
                ["group", "remove", var list, .. var members] when members.Count > 0 => await AdminCommands.RemoveGroupMembersAsync(options, list, members, stdout, cancellationToken),
                ["group", "list"] => await AdminCommands.ListGroupsAsync(options, null, stdout, cancellationToken),
                ["group", "list", var list] => await AdminCommands.ListGroupsAsync(options, list, stdout, cancellationToken),
                ["user", "grant-impersonation", var account] => await GrantCommands.GrantAsync(options, account, Domain.GrantKind.Impersonation, stdout, cancellationToken),
                ["user", "grant-send-as", var account] => await GrantCommands.GrantAsync(options, account, Domain.GrantKind.SendAs, stdout, cancellationToken),
                ["user", "grant-send-on-behalf", var account] => await GrantCommands.GrantAsync(options, account, Domain.GrantKind.SendOnBehalf, stdout, cancellationToken),
                ["user", "revoke-impersonation", var account] => await GrantCommands.RevokeAsync(options, account, Domain.GrantKind.Impersonation, stdout, cancellationToken),
                ["user", "revoke-send-as", var account] => await GrantCommands.RevokeAsync(options, account, Domain.GrantKind.SendAs, stdout, cancellationToken),
                ["user", "revoke-send-on-behalf", var account] => await GrantCommands.RevokeAsync(options, account, Domain.GrantKind.SendOnBehalf, stdout, cancellationToken),
                ["user", "grants", var account] => await GrantCommands.ListAsync(options, account, stdout, cancellationToken),
                ["user", "set", var email] => await AdminCommands.SetUserAsync(options, email, stdout, cancellationToken),
                ["invite"] => await AsUserAsync(ClientCommands.InviteAsync),
                ["meetings"] => await AsUserAsync(ClientCommands.MeetingsAsync),
                ["propose"] => await AsUserAsync(ClientCommands.ProposeAsync),
                ["respond"] => await AsUserAsync(ClientCommands.RespondAsync),
                ["proposals"] => await AsUserAsync(ClientCommands.ProposalsAsync),
                ["availability", .. var mailboxes] when mailboxes.Count > 0 => await AsUserAsync(session => ClientCommands.AvailabilityAsync(session, mailboxes)),
                ["availability"] => throw new UsageException("rdv availability needs at least one EMAIL"),
                ["apply-proposal"] => await AsUserAsync(ClientCommands.ApplyProposalAsync),
                ["cancel"] => await AsUserAsync(ClientCommands.CancelAsync),
                ["help"] or [] => Help(stdout),
                _ => Fail(stderr, "unknown command: " + string.Join(' ', options.Positional) + Environment.NewLine + Usage, 2),
            };

            async Task<int> AsUserAsync(Func<ClientSession, Task<int>> command)
            {
                using var session = ClientSession.Open(parsed, stdin, stdout, stderr, cancellationToken);
                return await command(session);
            }
        }
        catch (UsageException e)
        {
            return Fail(stderr, e.Message + Environment.NewLine + Usage, 2);
        }
        catch (CommandException e)
        {
            return Fail(stderr, string.Join(Environment.NewLine, e.Details.Select(line => "  " + line).Prepend("rdv: " + e.Message)), 1);
        }
        catch (EwsException e)
        {
            // EwsResponseException and EwsFaultException both: the ResponseCode is what a user can look up.
            return Fail(stderr, $"rdv: {e.Code}: {Output.OneLine(e.Message)}", 1);
        }
        catch (EwsHttpException e) when (e.StatusCode == 401)
        {
            var who = ClientSession.UserOf(options) is { Length: > 0 } user ? user : "the token in RDV_TOKEN";
            return Fail(stderr, $"rdv: HTTP 401: the server refused the credentials for {who}", 1);
        }
        catch (EwsHttpException e)
        {
            return Fail(stderr, $"rdv: HTTP {e.StatusCode}: {Output.OneLine(e.Message)}", 1);
        }
        catch (HttpRequestException e)
        {
            return Fail(stderr, $"rdv: cannot reach {ClientSession.UrlOf(options)}: {Output.OneLine(e.Message)}", 1);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Fail(stderr, "rdv: interrupted", 130);
        }
        catch (TaskCanceledException)
        {
            // Not ours: HttpClient gave up waiting.
            return Fail(stderr, $"rdv: cannot reach {ClientSession.UrlOf(options)}: no answer in time", 1);
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
}
