using System.Text.Json;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Store;

namespace Rendezvous.Services;

/// <summary>
/// GetUserOofSettings, SetUserOofSettings, and the automatic replies sent on delivery (issue 17 §6). A mailbox's
/// settings are an associated item of its root folder of class IPM.Microsoft.OOF.UserOofSettings, as Exchange keeps
/// them, holding the settings and the senders answered this period as JSON in PidTagRoamingXmlStream (0x7C08), so
/// they are out of the folder's items and synchronization and need no table of their own.
/// </summary>
public static class OofService
{
    public const string SettingsClass = "IPM.Microsoft.OOF.UserOofSettings";

    private static readonly ExtendedPropertyPath SettingsPath = new("0x7C08", null, null, null, null, SchemaValues.MapiPropertyTypeType.Binary);
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>How often a delivery retries recording whom it answered when another delivery recorded first.</summary>
    private const int Attempts = 8;

    /// <summary>The settings of <paramref name="mailbox"/>, which must be the caller's: another's are not the caller's to read.</summary>
    public static async Task<OofSettings> GetAsync(Session session, string mailbox)
    {
        Own(session, mailbox);
        var (settings, _) = await LoadAsync(session.Store, session.MailboxId, session.Cancellation);
        return settings;
    }

    /// <summary>Replaces the caller's settings; this starts a new period, in which every sender is answered again.</summary>
    public static async Task SetAsync(Session session, string mailbox, OofSettings settings)
    {
        Own(session, mailbox);
        if (settings.State == OofSettings.Scheduled && (settings.Start is not { } start || settings.End is not { } end || start >= end))
        {
            throw new DomainException(ErrorCode.InvalidArgument, "A scheduled out-of-office needs a Duration whose StartTime is before its EndTime.");
        }

        var fresh = settings with { Answered = [] };
        for (var attempt = 0; ; attempt++)
        {
            var (_, item) = await LoadAsync(session.Store, session.MailboxId, session.Cancellation);
            try
            {
                await SaveAsync(session, session.MailboxId, item, fresh);
                return;
            }
            catch (Exception e) when (e is ConcurrencyException or DuplicateException && attempt < Attempts)
            {
                // A delivery recorded a sender meanwhile: the new settings replace that too.
            }
        }
    }

    private static void Own(Session session, string mailbox)
    {
        if (!mailbox.Trim().Equals(session.Address, StringComparison.OrdinalIgnoreCase))
        {
            // Note: no delegation exists yet, so another mailbox's settings are never the caller's, and whether it exists is not said.
            throw new DomainException(ErrorCode.AccessDenied, "Access is denied. Check credentials and try again.");
        }
    }

    private static async Task<(OofSettings Settings, Item? Item)> LoadAsync(IMailStore store, string mailboxId, CancellationToken cancellation)
    {
        var root = await store.GetDistinguishedFolderAsync(mailboxId, "root", cancellation);
        var item = root is null ? null : await store.GetAssociatedItemAsync(root.Id, SettingsClass, cancellation);
        var stored = item?.ExtendedProperties.Find(p => p.Path.Key == SettingsPath.Key)?.Value;
        if (stored is null)
        {
            return (OofSettings.Default, item);
        }

        var s = JsonSerializer.Deserialize<Stored>(Convert.FromBase64String(stored), Json)!;
        return (new OofSettings(s.State, s.ExternalAudience, s.Start, s.End, s.InternalReply, s.ExternalReply) { Answered = s.Answered ?? [] }, item);
    }

    private static async Task SaveAsync(Session session, string mailboxId, Item? item, OofSettings settings)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(new Stored(settings.State, settings.ExternalAudience, settings.Start, settings.End, settings.InternalReply, settings.ExternalReply, [.. settings.Answered]), Json);
        long? expected = item?.ChangeNumber;
        if (item is null)
        {
            var root = await session.Store.GetDistinguishedFolderAsync(mailboxId, "root", session.Cancellation)
                ?? throw new DomainException(ErrorCode.FolderNotFound, "The mailbox has no root folder.");
            item = new Item { Kind = ItemKind.Message, ItemClass = SettingsClass, Subject = SettingsClass };
            ItemService.Stamp(session, item, root, session.Now);
            item.DateTimeReceived = null;
        }
        else
        {
            item.StampModified(session.Now);
        }

        item.ExtendedProperties.RemoveAll(p => p.Path.Key == SettingsPath.Key);
        item.ExtendedProperties.Add(new ExtendedProperty(SettingsPath, Convert.ToBase64String(json), null));
        await session.Store.SaveAssociatedItemAsync(item, expected, session.Cancellation);
    }

    /// <summary>
    /// The automatic replies to a message the caller just delivered to <paramref name="recipients"/> (local users):
    /// each recipient whose out-of-office answers the caller (<see cref="OofRules.Decide"/>) sends its reply to the
    /// caller's Inbox and records the caller as answered for the period. A reply that fails is told to the host, never
    /// a failure of the message that was sent.
    /// </summary>
    public static async Task ReplyAsync(Session session, Item delivered, IReadOnlyList<UserRecord> recipients)
    {
        if (recipients.Count == 0 || OofRules.IsAutomatic(delivered.ItemClass))
        {
            return;
        }

        // Whether the sender is internal is asked only once a recipient is found out of office.
        Task<bool>? isInternal = null;
        Task<bool> IsInternal() => isInternal ??= SenderIsInternalAsync(session);
        foreach (var recipient in recipients)
        {
            try
            {
                await ReplyOneAsync(session, delivered, recipient, IsInternal);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                session.Inform($"the automatic reply of {recipient.Address} was not sent: {e.Message}");
            }
        }
    }

    private static async Task<bool> SenderIsInternalAsync(Session session) =>
        (await SetupService.InternalDomainsAsync(session)).Contains(SetupService.Domain(session.Address), StringComparer.OrdinalIgnoreCase);

    private static async Task ReplyOneAsync(Session session, Item delivered, UserRecord recipient, Func<Task<bool>> senderIsInternal)
    {
        var sender = session.Address;
        for (var attempt = 0; ; attempt++)
        {
            var (settings, item) = await LoadAsync(session.Store, recipient.MailboxId, session.Cancellation);
            if (item is null || !settings.IsActive(session.Now))
            {
                return;
            }

            var isInternal = await senderIsInternal();
            var known = !isInternal && settings.ExternalAudience == OofSettings.AudienceKnown && await IsKnownAsync(session, recipient.MailboxId, sender);
            var reply = OofRules.Decide(settings, session.Now, recipient.Address, sender, isInternal, known, delivered.ItemClass);
            if (reply == OofReply.None)
            {
                return;
            }

            try
            {
                // Recorded first: a reply is sent once, even when two deliveries race (the loser reads the record and stops).
                await SaveAsync(session, recipient.MailboxId, item, settings with { Answered = [.. settings.Answered, sender.ToLowerInvariant()] });
            }
            catch (ConcurrencyException) when (attempt < Attempts)
            {
                continue;
            }

            await SendReplyAsync(session, delivered, recipient, reply == OofReply.Internal ? settings.InternalReply : settings.ExternalReply);
            return;
        }
    }

    /// <summary>
    /// The out-of-office of <paramref name="recipient"/> as the caller's mail tip tells it: the reply the caller would
    /// get now (which the recipient chose to send them anyway), "" when none, with the window of a scheduled one.
    /// </summary>
    public static async Task<OofTip> TipAsync(Session session, UserRecord recipient, bool senderIsInternal)
    {
        var (settings, _) = await LoadAsync(session.Store, recipient.MailboxId, session.Cancellation);
        var known = !senderIsInternal && settings.ExternalAudience == OofSettings.AudienceKnown && await IsKnownAsync(session, recipient.MailboxId, session.Address);
        // Whoever was answered already: a tip shows the reply a message would get, had it been the first.
        var reply = OofRules.ReplyFor(settings, session.Now, senderIsInternal, known);
        var message = reply switch
        {
            OofReply.Internal => settings.InternalReply,
            OofReply.External => settings.ExternalReply,
            _ => "",
        };
        return settings.State == OofSettings.Scheduled && reply != OofReply.None ? new OofTip(message, settings.Start, settings.End) : new OofTip(message, null, null);
    }

    /// <summary>Whether <paramref name="address"/> is one of the mailbox's contacts (the Known external audience).</summary>
    private static async Task<bool> IsKnownAsync(Session session, string mailboxId, string address)
    {
        var contacts = await session.Store.GetDistinguishedFolderAsync(mailboxId, "contacts", session.Cancellation);
        if (contacts is null || session.ContactCards is not { } cards)
        {
            return false;
        }

        var items = await session.Store.GetItemsAsync(contacts.Id, session.Cancellation);
        return items.Any(i => i.Kind == ItemKind.Contact && cards.Read(i) is { } card && card.Addresses.Contains(address, StringComparer.OrdinalIgnoreCase));
    }

    private static async Task SendReplyAsync(Session session, Item delivered, UserRecord recipient, string text)
    {
        var inbox = await session.ResolveFolderAsync(null, "inbox");
        var now = session.Now;
        var from = new EmailAddress(recipient.DisplayName, recipient.Address);
        var reply = new Item
        {
            Kind = ItemKind.Message,
            ItemClass = OofRules.ReplyClass,
            Subject = "Automatic reply: " + (delivered.Subject ?? ""),
            Body = new Body(SchemaValues.BodyTypeType.Text, text),
            From = from,
            Sender = from,
            ToRecipients = [new EmailAddress(session.User.DisplayName, session.Address)],
            ReceivedBy = new EmailAddress(session.User.DisplayName, session.Address),
            InReplyTo = delivered.InternetMessageId,
            References = delivered.InternetMessageId,
            InternetMessageId = $"<{Guid.NewGuid():N}@rendezvous>",
            IsRead = false,
            IsSubmitted = true,
            DateTimeSent = now,
            DateTimeReceived = now,
        };
        ItemService.Stamp(session, reply, inbox, now);
        var changes = new ChangeSet();
        changes.Inserts.Add(reply);
        await session.Store.ApplyAsync(changes, session.Cancellation);
    }

    private sealed record Stored(string State, string ExternalAudience, DateTime? Start, DateTime? End, string InternalReply, string ExternalReply, List<string>? Answered);
}
