using System.Globalization;
using Rendezvous.Store;

namespace Rendezvous.Cli;

/// <summary>rdv room and rdv roomlist: room mailboxes and room lists, working on the data folder directly.</summary>
internal static class RoomCommands
{
    // No password PasswordHasher accepts: a room is booked by the server, never signed in to.
    private const string NoSignIn = "!room";

    public static async Task<int> AddRoomAsync(Options options, string email, TextWriter stdout, CancellationToken cancellationToken)
    {
        AdminCommands.CheckAddress(email);

        int? capacity = options.GetNumber("--capacity") is { } n
            ? n is > 0 and <= 100_000 ? (int)n : throw new UsageException("--capacity needs a number of seats from 1 to 100000")
            : null;
        var name = options.Get("--name") ?? email[..email.IndexOf('@', StringComparison.Ordinal)];
        await using var store = await AdminCommands.OpenStoreAsync(options, cancellationToken);
        UserRecord user;
        try
        {
            user = await store.AddUserAsync(email, name, NoSignIn, cancellationToken);
        }
        catch (DuplicateException e)
        {
            throw new CommandException(e.Message);
        }

        await store.SetRoomAsync(user.MailboxId, capacity, cancellationToken);
        stdout.WriteLine($"added room {email} ({name}{(capacity is { } c ? string.Create(CultureInfo.InvariantCulture, $", {c} seats") : "")})");
        return 0;
    }

    public static async Task<int> ListRoomsAsync(Options options, TextWriter stdout, CancellationToken cancellationToken)
    {
        await using var store = await AdminCommands.OpenStoreAsync(options, cancellationToken);
        foreach (var room in await store.ListRoomsAsync(cancellationToken))
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{room.User.Address}\t{room.User.DisplayName}\t{(room.Capacity is { } c ? c + " seats" : "-")}"));
        }

        return 0;
    }

    public static async Task<int> AddListAsync(Options options, string email, TextWriter stdout, CancellationToken cancellationToken)
    {
        AdminCommands.CheckAddress(email);

        var name = options.Get("--name") ?? email[..email.IndexOf('@', StringComparison.Ordinal)];
        await using var store = await AdminCommands.OpenStoreAsync(options, cancellationToken);
        try
        {
            await store.AddRoomListAsync(email, name, cancellationToken);
        }
        catch (DuplicateException e)
        {
            throw new CommandException(e.Message);
        }

        stdout.WriteLine($"added room list {email} ({name})");
        return 0;
    }

    public static async Task<int> RemoveListAsync(Options options, string email, TextWriter stdout, CancellationToken cancellationToken)
    {
        await using var store = await AdminCommands.OpenStoreAsync(options, cancellationToken);
        if (!await store.RemoveRoomListAsync(email, cancellationToken))
        {
            throw new CommandException($"no room list {email}");
        }

        stdout.WriteLine($"removed room list {email} (its rooms stay)");
        return 0;
    }

    public static async Task<int> SetMemberAsync(Options options, string list, string room, bool member, TextWriter stdout, CancellationToken cancellationToken)
    {
        await using var store = await AdminCommands.OpenStoreAsync(options, cancellationToken);
        var user = await store.FindUserAsync(room, cancellationToken);
        var isRoom = user is not null && await store.GetRoomAsync(user.MailboxId, cancellationToken) is not null;
        if (!isRoom)
        {
            throw new CommandException($"no room {room} (add it with rdv room add)");
        }

        if (!await store.SetRoomListMemberAsync(list, user!.MailboxId, member, cancellationToken))
        {
            throw new CommandException($"no room list {list}");
        }

        stdout.WriteLine(member ? $"{room} is in {list}" : $"{room} is no longer in {list}");
        return 0;
    }

    public static async Task<int> ListListsAsync(Options options, TextWriter stdout, CancellationToken cancellationToken)
    {
        await using var store = await AdminCommands.OpenStoreAsync(options, cancellationToken);
        foreach (var list in await store.ListRoomListsAsync(cancellationToken))
        {
            var rooms = await store.GetRoomListRoomsAsync(list.Address, cancellationToken) ?? [];
            stdout.WriteLine($"{list.Address}\t{list.DisplayName}\t{(rooms.Count == 0 ? "-" : string.Join(",", rooms.Select(r => r.User.Address)))}");
        }

        return 0;
    }
}
