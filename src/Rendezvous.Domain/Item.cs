using Rendezvous.Protocol;

namespace Rendezvous.Domain;

/// <summary>
/// One stored item: its identity (id, mailbox, folder, change number, item type) and a bag of properties keyed by
/// property definition. Times are UTC; the time zone the client gave is kept beside them. Properties that only some
/// kinds use stay unset on the others.
/// </summary>
public sealed class Item
{
    public Item()
    {
    }

    /// <summary>An item whose bag is sized for <paramref name="propertyCapacity"/> properties (the store's reader).</summary>
    public Item(int propertyCapacity) => Properties = new PropertyBag(propertyCapacity);

    public string Id { get; set; } = "";

    public string MailboxId { get; set; } = "";

    public string FolderId { get; set; } = "";

    public ItemKind Kind { get; set; }

    /// <summary>Moves on with every change; the ChangeKey encodes it.</summary>
    public long ChangeNumber { get; set; }

    /// <summary>
    /// When the item entered its folder, as a number that grows in that order (PR_INTERNET_ARTICLE_NUMBER, 0x0E23): the
    /// store's entry number, given in the write transaction; 0 until stored.
    /// </summary>
    public long ArticleNumber { get; private set; }

    /// <summary>An associated (FAI) item of its folder (a user configuration object), kept apart from its items.</summary>
    public bool IsAssociated { get; private set; }

    /// <summary>Records the entry number the store gave the item in its folder (identity, like the change number; not in the bag).</summary>
    public void NumberInFolder(long articleNumber) => ArticleNumber = articleNumber;

    /// <summary>Marks the item as one of its folder's associated items (as the store read it).</summary>
    public void MarkAssociated() => IsAssociated = true;

    private Dictionary<string, long>? fieldChanges;

    /// <summary>Per field URI, the change number that last wrote it (for AutoResolve conflict detection).</summary>
    /// <remarks>Made on first use: most items read (a calendar view's, a free/busy read's) never use it (issue 14's allocations).</remarks>
    public Dictionary<string, long> FieldChanges { get => fieldChanges ??= new(StringComparer.Ordinal); set => fieldChanges = value; }

    /// <summary>Whether any field change is recorded (without making the dictionary).</summary>
    public bool HasFieldChanges => fieldChanges is { Count: > 0 };

    /// <summary>
    /// Everything else the item holds, keyed by property definition; the typed properties below are views over it
    /// (a MAPI property is one entry whatever path a client names it by).
    /// </summary>
    public PropertyBag Properties { get; private set; } = new();

    // ItemType
    public string ItemClass { get => Properties.GetRef<string>(ItemProperties.ItemType_ItemClass) ?? "IPM.Note"; set => Properties.Set(ItemProperties.ItemType_ItemClass, value); }

    public string? Subject { get => Properties.GetRef<string>(ItemProperties.ItemType_Subject); set => Properties.Set(ItemProperties.ItemType_Subject, value); }

    public string? Sensitivity { get => Properties.GetRef<string>(ItemProperties.ItemType_Sensitivity); set => Properties.Set(ItemProperties.ItemType_Sensitivity, value); }

    public Body? Body { get => Properties.GetRef<Body>(ItemProperties.ItemType_Body); set => Properties.Set(ItemProperties.ItemType_Body, value); }

    public List<string>? Categories { get => Properties.GetRef<List<string>>(ItemProperties.ItemType_Categories); set => Properties.Set(ItemProperties.ItemType_Categories, value); }

    public string? Importance { get => Properties.GetRef<string>(ItemProperties.ItemType_Importance); set => Properties.Set(ItemProperties.ItemType_Importance, value); }

    public string? InReplyTo { get => Properties.GetRef<string>(ItemProperties.ItemType_InReplyTo); set => Properties.Set(ItemProperties.ItemType_InReplyTo, value); }

    public bool IsDraft { get => Properties.GetValue<bool>(ItemProperties.ItemType_IsDraft) ?? default; set => Properties.Set(ItemProperties.ItemType_IsDraft, value); }

    public bool IsSubmitted { get => Properties.GetValue<bool>(ItemProperties.ItemType_IsSubmitted) ?? default; set => Properties.Set(ItemProperties.ItemType_IsSubmitted, value); }

    public DateTime DateTimeCreated { get => Properties.GetValue<DateTime>(ItemProperties.ItemType_DateTimeCreated) ?? default; set => Properties.Set(ItemProperties.ItemType_DateTimeCreated, value); }

    public DateTime? DateTimeReceived { get => Properties.GetValue<DateTime>(ItemProperties.ItemType_DateTimeReceived); set => Properties.Set(ItemProperties.ItemType_DateTimeReceived, value); }

    public DateTime? DateTimeSent { get => Properties.GetValue<DateTime>(ItemProperties.ItemType_DateTimeSent); set => Properties.Set(ItemProperties.ItemType_DateTimeSent, value); }

    public DateTime LastModifiedTime { get => Properties.GetValue<DateTime>(ItemProperties.ItemType_LastModifiedTime) ?? default; set => Properties.Set(ItemProperties.ItemType_LastModifiedTime, value); }

    public string? LastModifiedName { get => Properties.GetRef<string>(ItemProperties.ItemType_LastModifiedName); set => Properties.Set(ItemProperties.ItemType_LastModifiedName, value); }

    public bool? ReminderIsSet { get => Properties.GetValue<bool>(ItemProperties.ItemType_ReminderIsSet); set => Properties.Set(ItemProperties.ItemType_ReminderIsSet, value); }

    public int? ReminderMinutesBeforeStart { get => Properties.GetValue<int>(ItemProperties.ItemType_ReminderMinutesBeforeStart); set => Properties.Set(ItemProperties.ItemType_ReminderMinutesBeforeStart, value); }

    public DateTime? ReminderDueBy { get => Properties.GetValue<DateTime>(ItemProperties.ItemType_ReminderDueBy); set => Properties.Set(ItemProperties.ItemType_ReminderDueBy, value); }

    public string? Culture { get => Properties.GetRef<string>(ItemProperties.ItemType_Culture); set => Properties.Set(ItemProperties.ItemType_Culture, value); }

    public List<ExtendedProperty> ExtendedProperties { get => Properties.GetOrAdd(ItemProperties.ItemType_ExtendedProperty, static () => new List<ExtendedProperty>()); set => Properties.Set(ItemProperties.ItemType_ExtendedProperty, value); }

    // MessageType
    public EmailAddress? Sender { get => Properties.GetRef<EmailAddress>(ItemProperties.MessageType_Sender); set => Properties.Set(ItemProperties.MessageType_Sender, value); }

    public EmailAddress? From { get => Properties.GetRef<EmailAddress>(ItemProperties.MessageType_From); set => Properties.Set(ItemProperties.MessageType_From, value); }

    public List<EmailAddress>? ToRecipients { get => Properties.GetRef<List<EmailAddress>>(ItemProperties.MessageType_ToRecipients); set => Properties.Set(ItemProperties.MessageType_ToRecipients, value); }

    public List<EmailAddress>? CcRecipients { get => Properties.GetRef<List<EmailAddress>>(ItemProperties.MessageType_CcRecipients); set => Properties.Set(ItemProperties.MessageType_CcRecipients, value); }

    public List<EmailAddress>? BccRecipients { get => Properties.GetRef<List<EmailAddress>>(ItemProperties.MessageType_BccRecipients); set => Properties.Set(ItemProperties.MessageType_BccRecipients, value); }

    public List<EmailAddress>? ReplyTo { get => Properties.GetRef<List<EmailAddress>>(ItemProperties.MessageType_ReplyTo); set => Properties.Set(ItemProperties.MessageType_ReplyTo, value); }

    public bool? IsReadReceiptRequested { get => Properties.GetValue<bool>(ItemProperties.MessageType_IsReadReceiptRequested); set => Properties.Set(ItemProperties.MessageType_IsReadReceiptRequested, value); }

    public bool? IsDeliveryReceiptRequested { get => Properties.GetValue<bool>(ItemProperties.MessageType_IsDeliveryReceiptRequested); set => Properties.Set(ItemProperties.MessageType_IsDeliveryReceiptRequested, value); }

    public bool? IsRead { get => Properties.GetValue<bool>(ItemProperties.MessageType_IsRead); set => Properties.Set(ItemProperties.MessageType_IsRead, value); }

    public bool? IsResponseRequested { get => Properties.GetValue<bool>(ItemProperties.MessageType_IsResponseRequested); set => Properties.Set(ItemProperties.MessageType_IsResponseRequested, value); }

    public string? InternetMessageId { get => Properties.GetRef<string>(ItemProperties.MessageType_InternetMessageId); set => Properties.Set(ItemProperties.MessageType_InternetMessageId, value); }

    public string? References { get => Properties.GetRef<string>(ItemProperties.MessageType_References); set => Properties.Set(ItemProperties.MessageType_References, value); }

    /// <summary>The conversation's id (the GUID of its first message's ConversationIndex, base64); null on items older than issue 17 (<see cref="Conversations"/> derives one).</summary>
    public string? ConversationId { get => Properties.GetRef<string>(ItemProperties.ItemType_ConversationId); set => Properties.Set(ItemProperties.ItemType_ConversationId, value); }

    /// <summary>PidTagConversationIndex, base64: the 22-byte header and a 5-byte block per reply ([MS-OXOMSG] 2.2.1.3).</summary>
    public string? ConversationIndex { get => Properties.GetRef<string>(ItemProperties.MessageType_ConversationIndex); set => Properties.Set(ItemProperties.MessageType_ConversationIndex, value); }

    /// <summary>The conversation's topic: its first message's subject without a prefix.</summary>
    public string? ConversationTopic { get => Properties.GetRef<string>(ItemProperties.MessageType_ConversationTopic); set => Properties.Set(ItemProperties.MessageType_ConversationTopic, value); }

    public EmailAddress? ReceivedBy { get => Properties.GetRef<EmailAddress>(ItemProperties.MessageType_ReceivedBy); set => Properties.Set(ItemProperties.MessageType_ReceivedBy, value); }

    /// <summary>Whom a delegate received the message for (the principal), on a delegate's copy.</summary>
    public EmailAddress? ReceivedRepresenting { get => Properties.GetRef<EmailAddress>(ItemProperties.MessageType_ReceivedRepresenting); set => Properties.Set(ItemProperties.MessageType_ReceivedRepresenting, value); }

    /// <summary>Whether a meeting message is a delegate's copy of the principal's.</summary>
    public bool? IsDelegated { get => Properties.GetValue<bool>(ItemProperties.MeetingMessageType_IsDelegated); set => Properties.Set(ItemProperties.MeetingMessageType_IsDelegated, value); }

    // CalendarItemType and the meeting messages
    public string? Uid { get => Properties.GetRef<string>(ItemProperties.CalendarItemType_UID); set => Properties.Set(ItemProperties.CalendarItemType_UID, value); }

    public DateTime? DateTimeStamp { get => Properties.GetValue<DateTime>(ItemProperties.CalendarItemType_DateTimeStamp); set => Properties.Set(ItemProperties.CalendarItemType_DateTimeStamp, value); }

    public DateTime? Start { get => Properties.GetValue<DateTime>(ItemProperties.CalendarItemType_Start); set => Properties.Set(ItemProperties.CalendarItemType_Start, value); }

    public DateTime? End { get => Properties.GetValue<DateTime>(ItemProperties.CalendarItemType_End); set => Properties.Set(ItemProperties.CalendarItemType_End, value); }

    public bool IsAllDayEvent { get => Properties.GetValue<bool>(ItemProperties.CalendarItemType_IsAllDayEvent) ?? default; set => Properties.Set(ItemProperties.CalendarItemType_IsAllDayEvent, value); }

    public string? LegacyFreeBusyStatus { get => Properties.GetRef<string>(ItemProperties.CalendarItemType_LegacyFreeBusyStatus); set => Properties.Set(ItemProperties.CalendarItemType_LegacyFreeBusyStatus, value); }

    public string? Location { get => Properties.GetRef<string>(ItemProperties.CalendarItemType_Location); set => Properties.Set(ItemProperties.CalendarItemType_Location, value); }

    public bool IsMeeting { get => Properties.GetValue<bool>(ItemProperties.CalendarItemType_IsMeeting) ?? default; set => Properties.Set(ItemProperties.CalendarItemType_IsMeeting, value); }

    public bool IsCancelled { get => Properties.GetValue<bool>(ItemProperties.CalendarItemType_IsCancelled) ?? default; set => Properties.Set(ItemProperties.CalendarItemType_IsCancelled, value); }

    public bool MeetingRequestWasSent { get => Properties.GetValue<bool>(ItemProperties.CalendarItemType_MeetingRequestWasSent) ?? default; set => Properties.Set(ItemProperties.CalendarItemType_MeetingRequestWasSent, value); }

    public bool? CalendarIsResponseRequested { get => Properties.GetValue<bool>(ItemProperties.CalendarItemType_IsResponseRequested); set => Properties.Set(ItemProperties.CalendarItemType_IsResponseRequested, value); }

    public string? MyResponseType { get => Properties.GetRef<string>(ItemProperties.CalendarItemType_MyResponseType); set => Properties.Set(ItemProperties.CalendarItemType_MyResponseType, value); }

    public EmailAddress? Organizer { get => Properties.GetRef<EmailAddress>(ItemProperties.CalendarItemType_Organizer); set => Properties.Set(ItemProperties.CalendarItemType_Organizer, value); }

    public List<Attendee>? RequiredAttendees { get => Properties.GetRef<List<Attendee>>(ItemProperties.CalendarItemType_RequiredAttendees); set => Properties.Set(ItemProperties.CalendarItemType_RequiredAttendees, value); }

    public List<Attendee>? OptionalAttendees { get => Properties.GetRef<List<Attendee>>(ItemProperties.CalendarItemType_OptionalAttendees); set => Properties.Set(ItemProperties.CalendarItemType_OptionalAttendees, value); }

    public List<Attendee>? Resources { get => Properties.GetRef<List<Attendee>>(ItemProperties.CalendarItemType_Resources); set => Properties.Set(ItemProperties.CalendarItemType_Resources, value); }

    public DateTime? AppointmentReplyTime { get => Properties.GetValue<DateTime>(ItemProperties.CalendarItemType_AppointmentReplyTime); set => Properties.Set(ItemProperties.CalendarItemType_AppointmentReplyTime, value); }

    public int AppointmentSequenceNumber { get => Properties.GetValue<int>(ItemProperties.CalendarItemType_AppointmentSequenceNumber) ?? default; set => Properties.Set(ItemProperties.CalendarItemType_AppointmentSequenceNumber, value); }

    public int AppointmentState { get => Properties.GetValue<int>(ItemProperties.CalendarItemType_AppointmentState) ?? default; set => Properties.Set(ItemProperties.CalendarItemType_AppointmentState, value); }

    public TimeZoneRef? StartTimeZone { get => Properties.GetRef<TimeZoneRef>(ItemProperties.CalendarItemType_StartTimeZone); set => Properties.Set(ItemProperties.CalendarItemType_StartTimeZone, value); }

    public TimeZoneRef? EndTimeZone { get => Properties.GetRef<TimeZoneRef>(ItemProperties.CalendarItemType_EndTimeZone); set => Properties.Set(ItemProperties.CalendarItemType_EndTimeZone, value); }

    public int? ConferenceType { get => Properties.GetValue<int>(ItemProperties.CalendarItemType_ConferenceType); set => Properties.Set(ItemProperties.CalendarItemType_ConferenceType, value); }

    public bool? AllowNewTimeProposal { get => Properties.GetValue<bool>(ItemProperties.CalendarItemType_AllowNewTimeProposal); set => Properties.Set(ItemProperties.CalendarItemType_AllowNewTimeProposal, value); }

    public bool? IsOnlineMeeting { get => Properties.GetValue<bool>(ItemProperties.CalendarItemType_IsOnlineMeeting); set => Properties.Set(ItemProperties.CalendarItemType_IsOnlineMeeting, value); }

    public string? IntendedFreeBusyStatus { get => Properties.GetRef<string>(ItemProperties.MeetingRequestMessageType_IntendedFreeBusyStatus); set => Properties.Set(ItemProperties.MeetingRequestMessageType_IntendedFreeBusyStatus, value); }

    // MeetingMessageType and its subtypes
    public string? AssociatedCalendarItemId { get => Properties.GetRef<string>(ItemProperties.MeetingMessageType_AssociatedCalendarItemId); set => Properties.Set(ItemProperties.MeetingMessageType_AssociatedCalendarItemId, value); }

    public bool? IsOutOfDate { get => Properties.GetValue<bool>(ItemProperties.MeetingMessageType_IsOutOfDate); set => Properties.Set(ItemProperties.MeetingMessageType_IsOutOfDate, value); }

    public bool? HasBeenProcessed { get => Properties.GetValue<bool>(ItemProperties.MeetingMessageType_HasBeenProcessed); set => Properties.Set(ItemProperties.MeetingMessageType_HasBeenProcessed, value); }

    public string? ResponseType { get => Properties.GetRef<string>(ItemProperties.MeetingMessageType_ResponseType); set => Properties.Set(ItemProperties.MeetingMessageType_ResponseType, value); }

    public string? MeetingRequestType { get => Properties.GetRef<string>(ItemProperties.MeetingRequestMessageType_MeetingRequestType); set => Properties.Set(ItemProperties.MeetingRequestMessageType_MeetingRequestType, value); }

    public DateTime? ProposedStart { get => Properties.GetValue<DateTime>(ItemProperties.MeetingResponseMessageType_ProposedStart); set => Properties.Set(ItemProperties.MeetingResponseMessageType_ProposedStart, value); }

    public DateTime? ProposedEnd { get => Properties.GetValue<DateTime>(ItemProperties.MeetingResponseMessageType_ProposedEnd); set => Properties.Set(ItemProperties.MeetingResponseMessageType_ProposedEnd, value); }

    public ChangeHighlights? ChangeHighlights { get => Properties.GetRef<ChangeHighlights>(ItemProperties.MeetingRequestMessageType_ChangeHighlights); set => Properties.Set(ItemProperties.MeetingRequestMessageType_ChangeHighlights, value); }

    // Recurrence (issue 16): a recurring master holds its pattern, its deleted occurrences and its exceptions; occurrences
    // are generated from it, never stored.

    /// <summary>A calendar item's recurrence: set on a recurring master only.</summary>
    public Recurrence? Recurrence { get => Properties.GetRef<Recurrence>(ItemProperties.CalendarItemType_Recurrence); set => Properties.Set(ItemProperties.CalendarItemType_Recurrence, value); }

    /// <summary>A task's recurrence (the regeneration patterns included).</summary>
    public Recurrence? TaskRecurrence { get => Properties.GetRef<Recurrence>(ItemProperties.TaskType_Recurrence); set => Properties.Set(ItemProperties.TaskType_Recurrence, value); }

    /// <summary>On a master: the original starts (UTC) of the occurrences deleted from the series.</summary>
    public List<DateTime>? DeletedOccurrences { get => Properties.GetRef<List<DateTime>>(ItemProperties.CalendarItemType_DeletedOccurrences); set => Properties.Set(ItemProperties.CalendarItemType_DeletedOccurrences, value is { Count: 0 } ? null : value); }

    /// <summary>On a master: its modified occurrences, each with what it changes.</summary>
    public List<OccurrenceException>? Exceptions { get => Properties.GetRef<List<OccurrenceException>>(ItemProperties.CalendarItemType_ModifiedOccurrences); set => Properties.Set(ItemProperties.CalendarItemType_ModifiedOccurrences, value is { Count: 0 } ? null : value); }

    /// <summary>
    /// On an exception's changes: the storage keys (<see cref="PropertyDefinition.Key"/>) of the master's properties
    /// deleted from that occurrence alone, so it reads without them while the master keeps them.
    /// </summary>
    public List<string>? ClearedProperties { get => Properties.GetRef<List<string>>(ServerProperties.ClearedProperties); set => Properties.Set(ServerProperties.ClearedProperties, value is { Count: 0 } ? null : value); }

    /// <summary>On an occurrence or exception: where the pattern put it (UTC).</summary>
    public DateTime? OriginalStart { get => Properties.GetValue<DateTime>(ItemProperties.CalendarItemType_OriginalStart); set => Properties.Set(ItemProperties.CalendarItemType_OriginalStart, value); }

    /// <summary>Attendees or recipients this server could not deliver to (not local; external delivery comes later).</summary>
    /// <summary>Who created the item through a permission on another's folder (<see cref="ServerProperties.CreatedBy"/>); null: its mailbox's owner.</summary>
    public string? CreatedBy { get => Properties.GetRef<string>(ServerProperties.CreatedBy); set => Properties.Set(ServerProperties.CreatedBy, value); }

    public List<string>? UndeliveredRecipients { get => Properties.GetRef<List<string>>(ServerProperties.UndeliveredRecipients); set => Properties.Set(ServerProperties.UndeliveredRecipients, value); }

    /// <summary>The headers of the item's attachments (their bytes are in the store's attachment table); null when none.</summary>
    public List<Attachment>? Attachments { get => Properties.GetRef<List<Attachment>>(ItemProperties.ItemType_Attachments); set => Properties.Set(ItemProperties.ItemType_Attachments, value is { Count: 0 } ? null : value); }

    /// <summary>Whether the item has an attachment that is not inline (Exchange's HasAttachments: inline images alone do not count).</summary>
    public bool HasAttachments => Attachments?.Exists(static a => !a.IsInline) == true;

    /// <summary>A message or a meeting message (what has a read flag and recipients).</summary>
    public bool IsMessageLike => Kind is ItemKind.Message or ItemKind.MeetingRequest or ItemKind.MeetingResponse or ItemKind.MeetingCancellation;

    /// <summary>Whether <paramref name="address"/> organizes this item (an item without an organizer is its owner's own).</summary>
    public bool IsOrganizedBy(string address) => Organizer is null || Organizer.Is(address);

    /// <summary>The size EWS reports: an estimate of the stored MAPI size (subject, body, recipients and attachments).</summary>
    public int Size => (int)Math.Min(int.MaxValue, HeldSize + (Attachments?.Sum(static a => a.Size) ?? 0));

    /// <summary>
    /// <see cref="Size"/> without the attachments' bytes: what reading the item holds in memory (the bytes stay in the
    /// store until a GetAttachment asks for them), which a GetItem's response budget counts.
    /// </summary>
    public int HeldSize =>
        256 + (Subject?.Length ?? 0) * 2 + (Body?.Text.Length ?? 0) * 2 + (Location?.Length ?? 0) * 2
        + ((RequiredAttendees?.Count ?? 0) + (OptionalAttendees?.Count ?? 0) + (ToRecipients?.Count ?? 0)) * 64
        + ExtendedProperties.Sum(p => 32 + (p.Value?.Length ?? p.Values?.Sum(v => v.Length) ?? 0) * 2)
        + ((Attachments?.Count ?? 0) * 128);

    /// <summary>
    /// Stamps a change made at <paramref name="now"/>: LastModifiedTime moves on to a later second than it held, even for
    /// two changes within one second, since clients read it to the second (PR_LAST_MODIFICATION_TIME is DavMail's ETag).
    /// </summary>
    public void StampModified(DateTime now)
    {
        var previous = LastModifiedTime;
        var next = previous == default ? now : new DateTime(previous.Ticks - (previous.Ticks % TimeSpan.TicksPerSecond) + TimeSpan.TicksPerSecond, DateTimeKind.Utc);
        LastModifiedTime = now >= next ? now : next;
    }

    public Item Clone() => CloneWithout([]);

    /// <summary>
    /// A copy without <paramref name="left"/>'s properties, which are not even copied first: an occurrence is its master
    /// without the series' own properties (the exceptions among them, each an item), and a week view makes dozens.
    /// </summary>
    public Item CloneWithout(params PropertyDefinition[] left) => Copy(left, shared: false);

    /// <summary>
    /// <see cref="CloneWithout"/> for a copy that is only read, never changed (an occurrence a calendar view writes out):
    /// it shares this item's values, lists included, so changing one of them would change this item too.
    /// </summary>
    public Item ReadOnlyCopyWithout(params PropertyDefinition[] left) => Copy(left, shared: true);

    private Item Copy(PropertyDefinition[] left, bool shared)
    {
        var copy = (Item)MemberwiseClone();
        // The bag copies its lists; nothing here reads through an accessor that adds to this item's bag (a cached master
        // is cloned by concurrent requests, so a clone must only read it).
        copy.Properties = shared ? Properties.CloneShared(left) : Properties.Clone(left);
        copy.fieldChanges = fieldChanges is null || shared ? fieldChanges : new Dictionary<string, long>(fieldChanges, StringComparer.Ordinal);
        if (shared)
        {
            return copy;
        }

        // An exception's overrides are an item of their own: a copy changed must not change the original's.
        if (copy.Exceptions is { } exceptions)
        {
            copy.Exceptions = [.. exceptions.Select(static e => new OccurrenceException(e.OriginalStartUtc, e.Changes.Clone()))];
        }

        return copy;
    }
}

/// <summary>A stored folder. Counts are computed by the store when read.</summary>
public sealed class Folder
{
    public string Id { get; set; } = "";

    public string MailboxId { get; set; } = "";

    public string? ParentId { get; set; }

    public string DisplayName { get; set; } = "";

    public string? FolderClass { get; set; }

    /// <summary>The DistinguishedFolderIdNameType name, for the well-known folders.</summary>
    public string? DistinguishedName { get; set; }

    public long ChangeNumber { get; set; }

    public List<ExtendedProperty> ExtendedProperties { get; set; } = [];

    /// <summary>The folder's own last change (UTC, whole seconds; PR_LAST_MODIFICATION_TIME).</summary>
    public DateTime LastModified { get; set; }

    /// <summary>The last change of anything in the folder (UTC, whole seconds; PR_LOCAL_COMMIT_TIME_MAX, DavMail's ctag).</summary>
    public DateTime ContentModified { get; set; }

    public int TotalCount { get; set; }

    public int UnreadCount { get; set; }

    public int ChildFolderCount { get; set; }

    /// <summary>The folder's permission set, when the service read it for the response (null: not read, or not the caller's to see).</summary>
    public IReadOnlyList<PermissionEntry>? Permissions { get; set; }

    /// <summary>The rights of the user this copy was read for, when it is another's folder (null: the owner's, every right).</summary>
    public FolderRights? CallerRights { get; set; }

    /// <summary>The element this folder is written as: Folder, CalendarFolder, ContactsFolder, TasksFolder or SearchFolder.</summary>
    public string ElementName => FolderClass switch
    {
        "IPF.Appointment" => "CalendarFolder",
        "IPF.Contact" => "ContactsFolder",
        "IPF.Task" => "TasksFolder",
        // A class of a class (the recipient cache's IPF.Contact.RecipientCache) is a folder of that type, as in Exchange.
        { } c when c.StartsWith("IPF.Appointment.", StringComparison.Ordinal) => "CalendarFolder",
        { } c when c.StartsWith("IPF.Contact.", StringComparison.Ordinal) => "ContactsFolder",
        { } c when c.StartsWith("IPF.Task.", StringComparison.Ordinal) => "TasksFolder",
        _ => "Folder",
    };
}

/// <summary>An item with the distinguished name of the folder it is in (null for a user's own folders).</summary>
public sealed record PlacedItem(Item Item, string? Folder);

/// <summary>
/// A modified occurrence, kept on its master (as Exchange keeps exceptions inside the master): the occurrence's original
/// start and an item holding only what differs from the master (Start and End always; Subject, Location, Body,
/// attendees, ... when changed). Reading an exception is the master overlaid with <see cref="Changes"/>, so a later
/// change to the series shows in every exception that did not change that property itself.
/// </summary>
public sealed class OccurrenceException
{
    public OccurrenceException(DateTime originalStartUtc, Item changes)
    {
        OriginalStartUtc = originalStartUtc;
        Changes = changes;
    }

    /// <summary>Where the pattern put the occurrence (UTC): its RecurrenceId.</summary>
    public DateTime OriginalStartUtc { get; }

    /// <summary>What the exception changes: an item whose bag holds only the overridden properties.</summary>
    public Item Changes { get; }

    /// <summary>
    /// Overlays the exception on <paramref name="occurrence"/> (its master's copy): the overridden properties set, and
    /// those deleted from this occurrence alone (DeleteItemField on it, <see cref="Item.ClearedProperties"/>) removed.
    /// </summary>
    public void ApplyTo(Item occurrence)
    {
        ArgumentNullException.ThrowIfNull(occurrence);
        foreach (var (definition, value) in Changes.Properties.Entries.ToList())
        {
            if (!ReferenceEquals(definition, ServerProperties.ClearedProperties))
            {
                occurrence.Properties.Set(definition, value);
            }
        }

        if (Changes.ClearedProperties is { Count: > 0 } cleared)
        {
            foreach (var (definition, _) in occurrence.Properties.Entries.ToList())
            {
                if (cleared.Contains(definition.Key))
                {
                    occurrence.Properties.Remove(definition);
                }
            }
        }
    }
}

/// <summary>A mailbox owner as the server knows them.</summary>
public sealed record Mailbox(string Id, string Address, string DisplayName);
