using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>A UserId naming a (would-be) delegate: by SID, by address, or a distinguished user (which names nobody here).</summary>
public sealed record DelegateUserId(string? Sid, string? PrimarySmtpAddress, string? DistinguishedUser);

/// <summary>
/// A DelegateUser of AddDelegate or UpdateDelegate: the folder levels it sets (by distinguished folder name, see
/// <see cref="DelegateFolders"/>; a folder not named keeps its level, None for a new delegate) and the two settings
/// (null: unchanged, false for a new delegate).
/// </summary>
public sealed record DelegateUserSettings(DelegateUserId UserId, IReadOnlyDictionary<string, string> Levels, bool? ReceiveCopiesOfMeetingMessages, bool? ViewPrivateItems);

public sealed record GetDelegateRequest(string Mailbox, IReadOnlyList<DelegateUserId>? UserIds, bool IncludePermissions);

public sealed record AddDelegateRequest(string Mailbox, IReadOnlyList<DelegateUserSettings> Users, string? DeliverMeetingRequests);

public sealed record UpdateDelegateRequest(string Mailbox, IReadOnlyList<DelegateUserSettings> Users, string? DeliverMeetingRequests);

public sealed record RemoveDelegateRequest(string Mailbox, IReadOnlyList<DelegateUserId> UserIds);

/// <summary>A delegate as a response tells it; <see cref="Levels"/> null when the permissions are not asked for.</summary>
public sealed record DelegateUserInfo(string Sid, string Address, string DisplayName, IReadOnlyDictionary<string, string>? Levels, bool ReceiveCopiesOfMeetingMessages, bool ViewPrivateItems);

/// <summary>One user's result: the delegate (none for RemoveDelegate), or the error that user met.</summary>
public sealed record DelegateUserResult(DelegateUserInfo? User, DomainException? Error);

/// <summary>A delegate operation's result: one per user asked (or per delegate, for GetDelegate of all), and GetDelegate's DeliverMeetingRequests.</summary>
public sealed record DelegateResult(IReadOnlyList<DelegateUserResult> Users, string? DeliverMeetingRequests);

/// <summary>
/// GetDelegate, AddDelegate, UpdateDelegate and RemoveDelegate (issue 18 §2). Only the mailbox's owner manages its
/// delegates (an impersonating account is that owner: its Session's user is). A delegate's settings are in the store's
/// delegates table; its levels on the principal's six folders are entries of those folders' permissions
/// (<see cref="DelegateFolderLevels"/>); being a delegate is the send-on-behalf right.
/// </summary>
public static class DelegateService
{
    public static async Task<DelegateResult> GetAsync(Session session, GetDelegateRequest request)
    {
        Own(session, request.Mailbox);
        var delegation = await session.Store.GetDelegationAsync(session.MailboxId, session.Cancellation);
        var results = new List<DelegateUserResult>();
        if (request.UserIds is null)
        {
            foreach (var entry in delegation.Delegates)
            {
                if (await session.Store.FindUserByMailboxAsync(entry.DelegateMailboxId, session.Cancellation) is { } user)
                {
                    results.Add(new DelegateUserResult(await InfoAsync(session, user, entry, request.IncludePermissions), null));
                }
            }
        }
        else
        {
            foreach (var id in request.UserIds)
            {
                results.Add(await OneAsync(async () =>
                {
                    var user = await ResolveAsync(session, id, delegation);
                    var entry = delegation.Of(user.MailboxId) ?? throw NotDelegate();
                    return (DelegateUserInfo?)await InfoAsync(session, user, entry, request.IncludePermissions);
                }));
            }
        }

        return new DelegateResult(results, delegation.DeliverMeetingRequests);
    }

    public static async Task<DelegateResult> AddAsync(Session session, AddDelegateRequest request)
    {
        Own(session, request.Mailbox);
        var results = new List<DelegateUserResult>();
        foreach (var settings in request.Users)
        {
            results.Add(await OneAsync(async () =>
            {
                var delegation = await session.Store.GetDelegationAsync(session.MailboxId, session.Cancellation);
                var user = await ResolveAsync(session, settings.UserId, delegation);
                if (user.MailboxId == session.MailboxId)
                {
                    throw new DomainException(ErrorCode.DelegateCannotAddOwner, "The owner of the mailbox cannot be added as a delegate.");
                }

                if (await session.Store.GetRoomAsync(user.MailboxId, session.Cancellation) is not null)
                {
                    throw new DomainException(ErrorCode.DelegateValidationFailed, "A room mailbox cannot be a delegate.");
                }

                CheckLevels(settings.Levels, null);
                var entry = new DelegateEntry(user.MailboxId, settings.ViewPrivateItems ?? false, settings.ReceiveCopiesOfMeetingMessages ?? false);
                // The row, its folder levels and its grant in one write: never a delegate without its permissions.
                var changes = new ChangeSet();
                changes.Delegates.Add(new DelegateWrite(session.MailboxId, entry, DelegateWriteKind.Add));
                await DelegateFolderLevels.AddToAsync(changes, session, session.MailboxId, user, Complete(settings.Levels));
                // A delegate sends on the principal's behalf, as Exchange's AddDelegate adds it to GrantSendOnBehalfTo.
                changes.Grants.Add(new GrantWrite(user.MailboxId, GrantKind.SendOnBehalf, session.MailboxId, Add: true));
                WithDelivery(changes, session, request.DeliverMeetingRequests);
                await ApplyAsync(session, changes);
                session.Inform($"{session.Address} added {user.Address} as a delegate");
                return (DelegateUserInfo?)await InfoAsync(session, user, entry, includePermissions: false);
            }));
        }

        return new DelegateResult(results, null);
    }

    /// <summary>
    /// The request's DeliverMeetingRequests, written in each delegate's change set: it is set with the delegates it came
    /// with, and not when none of them could be (a request without delegates, an UpdateDelegate of the setting alone, writes it alone).
    /// </summary>
    private static void WithDelivery(ChangeSet changes, Session session, string? deliverMeetingRequests)
    {
        if (deliverMeetingRequests is { } deliver)
        {
            changes.DeliverySettings.Add((session.MailboxId, deliver));
        }
    }

    public static async Task<DelegateResult> UpdateAsync(Session session, UpdateDelegateRequest request)
    {
        Own(session, request.Mailbox);
        var results = new List<DelegateUserResult>();
        foreach (var settings in request.Users)
        {
            results.Add(await OneAsync(async () =>
            {
                var delegation = await session.Store.GetDelegationAsync(session.MailboxId, session.Cancellation);
                var user = await ResolveAsync(session, settings.UserId, delegation);
                var entry = delegation.Of(user.MailboxId) ?? throw NotDelegate();
                var current = await DelegateFolderLevels.GetAsync(session, session.MailboxId, user);
                CheckLevels(settings.Levels, current);
                entry = entry with
                {
                    ViewPrivateItems = settings.ViewPrivateItems ?? entry.ViewPrivateItems,
                    ReceiveCopiesOfMeetingMessages = settings.ReceiveCopiesOfMeetingMessages ?? entry.ReceiveCopiesOfMeetingMessages,
                };
                var changes = new ChangeSet();
                changes.Delegates.Add(new DelegateWrite(session.MailboxId, entry, DelegateWriteKind.Update));
                // Only the folders named change; Custom kept as it is stays Custom.
                var changed = settings.Levels.Where(l => current.GetValueOrDefault(l.Key) != l.Value).ToDictionary();
                if (changed.Count > 0)
                {
                    await DelegateFolderLevels.AddToAsync(changes, session, session.MailboxId, user, changed);
                }

                WithDelivery(changes, session, request.DeliverMeetingRequests);
                await ApplyAsync(session, changes);

                return (DelegateUserInfo?)await InfoAsync(session, user, entry, includePermissions: false);
            }));
        }

        if (request.Users.Count == 0 && request.DeliverMeetingRequests is { } deliver)
        {
            await session.Store.SetDeliverMeetingRequestsAsync(session.MailboxId, deliver, session.Cancellation);
        }

        return new DelegateResult(results, null);
    }

    public static async Task<DelegateResult> RemoveAsync(Session session, RemoveDelegateRequest request)
    {
        Own(session, request.Mailbox);
        var results = new List<DelegateUserResult>();
        foreach (var id in request.UserIds)
        {
            results.Add(await OneAsync(async () =>
            {
                var delegation = await session.Store.GetDelegationAsync(session.MailboxId, session.Cancellation);
                var user = await ResolveAsync(session, id, delegation);
                // Its folder permissions and its send-on-behalf right go with it, as Exchange removes them, in one write.
                var changes = new ChangeSet();
                changes.Delegates.Add(new DelegateWrite(session.MailboxId, new DelegateEntry(user.MailboxId, false, false), DelegateWriteKind.Remove));
                await DelegateFolderLevels.AddToAsync(changes, session, session.MailboxId, user, DelegateFolders.All.ToDictionary(f => f, _ => SchemaValues.DelegateFolderPermissionLevelType.None));
                changes.Grants.Add(new GrantWrite(user.MailboxId, GrantKind.SendOnBehalf, session.MailboxId, Add: false));
                await ApplyAsync(session, changes);
                session.Inform($"{session.Address} removed {user.Address} as a delegate");
                return (DelegateUserInfo?)null;
            }));
        }

        return new DelegateResult(results, null);
    }

    /// <summary>
    /// How the owner of <paramref name="principal"/>'s meeting messages are delivered: its DeliverMeetingRequests and
    /// the delegates receiving copies (null when none does, so delivery is to the owner alone as before).
    /// </summary>
    public static async Task<MeetingDelegates?> MeetingDelegatesAsync(Session session, Mailbox principal)
    {
        var delegation = await session.Store.GetDelegationAsync(principal.Id, session.Cancellation);
        var recipients = new List<Mailbox>();
        foreach (var entry in delegation.Delegates.Where(static d => d.ReceiveCopiesOfMeetingMessages))
        {
            if (await session.Store.FindUserByMailboxAsync(entry.DelegateMailboxId, session.Cancellation) is { } user)
            {
                recipients.Add(user.Mailbox);
            }
        }

        return recipients.Count == 0 ? null : new MeetingDelegates(delegation.DeliverMeetingRequests, recipients);
    }

    /// <summary>
    /// The caller sends meeting messages for <paramref name="principal"/> (answering, proposing or organizing in its
    /// calendar, the folder right checked by the caller): with its send-on-behalf right (every delegate's, given by
    /// AddDelegate) or send-as right, else ErrorSendAsDenied (<see cref="SendingRights.ForAsync"/>). The action is logged:
    /// who, for whom, what (issue 18 §5).
    /// </summary>
    public static async Task<Sending> ActForAsync(Session session, UserRecord principal, string action)
    {
        var sending = await SendingRights.ForAsync(session, principal);
        session.ActedAsDelegate(principal.Address, action);
        return sending;
    }

    private static void Own(Session session, string mailbox)
    {
        if (!mailbox.Trim().Equals(session.Address, StringComparison.OrdinalIgnoreCase))
        {
            // Another mailbox's delegates are its owner's to manage, and whether it exists is not said: the whole
            // response's error (its ResponseCode beside no ResponseMessages), as exchangelib reads it.
            throw new DomainException(ErrorCode.AccessDenied, "Access is denied. Check credentials and try again.");
        }
    }

    /// <summary>A level a client may set: not Custom (Exchange refuses it), unless the folder's level is Custom already.</summary>
    private static void CheckLevels(IReadOnlyDictionary<string, string> levels, IReadOnlyDictionary<string, string>? current)
    {
        foreach (var (folder, level) in levels)
        {
            if (level == SchemaValues.DelegateFolderPermissionLevelType.Custom && current?.GetValueOrDefault(folder) != level)
            {
                throw new DomainException(ErrorCode.InvalidDelegatePermission, "A delegate folder permission level cannot be set to Custom.");
            }
        }
    }

    private static Dictionary<string, string> Complete(IReadOnlyDictionary<string, string> levels) =>
        DelegateFolders.All.ToDictionary(f => f, f => levels.GetValueOrDefault(f) ?? SchemaValues.DelegateFolderPermissionLevelType.None);

    /// <summary>
    /// The user a UserId names. A SID is matched against the delegates' (and for a new one, every user's); an address
    /// names a user of this server or nobody (ErrorDelegateNoUser); Default and Anonymous are no delegates.
    /// </summary>
    private static async Task<UserRecord> ResolveAsync(Session session, DelegateUserId id, Delegation delegation)
    {
        if (id.PrimarySmtpAddress is { Length: > 0 } address)
        {
            return await session.Store.FindUserAsync(address.Trim(), session.Cancellation)
                ?? throw new DomainException(ErrorCode.DelegateNoUser, "The delegate does not map to a user in the Active Directory.");
        }

        if (id.Sid is { Length: > 0 } sid)
        {
            if (!MailboxSids.IsWellFormed(sid))
            {
                throw new DomainException(ErrorCode.InvalidUserSid, "Invalid user SID.");
            }

            foreach (var entry in delegation.Delegates)
            {
                if (MailboxSids.Of(entry.DelegateMailboxId) == sid && await session.Store.FindUserByMailboxAsync(entry.DelegateMailboxId, session.Cancellation) is { } known)
                {
                    return known;
                }
            }

            return (await session.Store.ListUsersAsync(session.Cancellation)).FirstOrDefault(u => MailboxSids.Of(u.MailboxId) == sid)
                ?? throw new DomainException(ErrorCode.DelegateNoUser, "The delegate does not map to a user in the Active Directory.");
        }

        throw new DomainException(ErrorCode.InvalidDelegateUserId, "The delegate user id is invalid: a delegate is named by its PrimarySmtpAddress or SID.");
    }

    private static async Task<DelegateUserInfo> InfoAsync(Session session, UserRecord user, DelegateEntry entry, bool includePermissions) =>
        new(MailboxSids.Of(user.MailboxId), user.Address, user.DisplayName,
            includePermissions ? await DelegateFolderLevels.GetAsync(session, session.MailboxId, user) : null,
            entry.ReceiveCopiesOfMeetingMessages, entry.ViewPrivateItems);

    /// <summary>Applies one delegate's change set; a row not as expected (another request got there first) is the user's error.</summary>
    private static async Task ApplyAsync(Session session, ChangeSet changes)
    {
        try
        {
            await session.Store.ApplyAsync(changes, session.Cancellation);
        }
        catch (DelegateStateException e)
        {
            throw e.Exists ? new DomainException(ErrorCode.DelegateAlreadyExists, "The delegate already exists.") : NotDelegate();
        }
    }

    private static DomainException NotDelegate() => new(ErrorCode.NotDelegate, "The user is not a delegate for the mailbox.");

    /// <summary>One user's step: its domain failure is its result, the other users go on.</summary>
    private static async Task<DelegateUserResult> OneAsync(Func<Task<DelegateUserInfo?>> work)
    {
        try
        {
            return new DelegateUserResult(await work(), null);
        }
        catch (DomainException e) when (e is not RequestFailedException)
        {
            return new DelegateUserResult(null, e);
        }
    }
}
