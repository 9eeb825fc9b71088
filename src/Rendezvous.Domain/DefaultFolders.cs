namespace Rendezvous.Domain;

/// <summary>
/// One folder every mailbox has: its key (the DistinguishedFolderIdNameType name, or for the system folders Exchange
/// keeps without one, a name starting with '~' that no request can give), its parent's key, its FolderClass, and its
/// display name by language, English first (the name where the culture has none, and for the system folders, which
/// Exchange does not localise).
/// </summary>
public sealed record DefaultFolder(string Key, string? Parent, string? FolderClass, string English, IReadOnlyDictionary<string, string>? Localized = null)
{
    /// <summary>A system folder: not a distinguished folder, but one that cannot be deleted or renamed either.</summary>
    public bool IsSystem => Key.StartsWith('~');

    /// <summary>The display name in <paramref name="culture"/> (an RFC 3066 tag such as da-DK; its language decides).</summary>
    public string DisplayName(string? culture) =>
        Localized is not null && DefaultFolders.Language(culture) is { } language && Localized.TryGetValue(language, out var name) ? name : English;
}

/// <summary>
/// The folders a new mailbox gets, in creation order (parents first), laid out as an Exchange Online mailbox: the
/// IPM subtree under Top of Information Store, the non-IPM system folders under the root, and the contact folders
/// Outlook and Skype keep under Contacts. Names are Exchange's for da, de, fr, sv and en.
/// </summary>
public static class DefaultFolders
{
    /// <summary>The culture of a mailbox created without one.</summary>
    public const string DefaultCulture = "en-US";

    private static Dictionary<string, string> Names(string da, string de, string fr, string sv) =>
        new(StringComparer.Ordinal) { ["da"] = da, ["de"] = de, ["fr"] = fr, ["sv"] = sv };

    public static IReadOnlyList<DefaultFolder> All { get; } =
    [
        new("root", null, null, "root"),
        // Exchange's IPM root has no FolderClass (Outlook reads a folder without one as a mail folder).
        new("msgfolderroot", "root", null, "Top of Information Store", Names("Informationslagerets øverste niveau", "Oberste Ebene des Informationsspeichers", "Partie supérieure de la banque d'informations", "Översta nivån i informationsarkivet")),
        // The dumpster: SoftDelete keeps items here, out of the user's folders (as Exchange's Recoverable Items).
        new("recoverableitemsroot", "root", null, "Recoverable Items"),
        new("recoverableitemsdeletions", "recoverableitemsroot", null, "Deletions"),
        new("recoverableitemsversions", "recoverableitemsroot", null, "Versions"),
        new("recoverableitemspurges", "recoverableitemsroot", null, "Purges"),
        new("recoverableitemsdiscoveryholds", "recoverableitemsroot", null, "DiscoveryHolds"),
        new("~calendarlogging", "recoverableitemsroot", null, "Calendar Logging"),

        new("inbox", "msgfolderroot", "IPF.Note", "Inbox", Names("Indbakke", "Posteingang", "Boîte de réception", "Inkorgen")),
        new("calendar", "msgfolderroot", "IPF.Appointment", "Calendar", Names("Kalender", "Kalender", "Calendrier", "Kalender")),
        new("contacts", "msgfolderroot", "IPF.Contact", "Contacts", Names("Kontaktpersoner", "Kontakte", "Contacts", "Kontakter")),
        new("deleteditems", "msgfolderroot", "IPF.Note", "Deleted Items", Names("Slettet post", "Gelöschte Elemente", "Éléments supprimés", "Borttaget")),
        new("drafts", "msgfolderroot", "IPF.Note", "Drafts", Names("Kladder", "Entwürfe", "Brouillons", "Utkast")),
        new("journal", "msgfolderroot", "IPF.Journal", "Journal", Names("Journal", "Journal", "Journal", "Journal")),
        new("junkemail", "msgfolderroot", "IPF.Note", "Junk Email", Names("Uønsket e-mail", "Junk-E-Mail", "Courrier indésirable", "Skräppost")),
        new("notes", "msgfolderroot", "IPF.StickyNote", "Notes", Names("Noter", "Notizen", "Notes", "Anteckningar")),
        new("outbox", "msgfolderroot", "IPF.Note", "Outbox", Names("Udbakke", "Postausgang", "Boîte d'envoi", "Utkorgen")),
        new("sentitems", "msgfolderroot", "IPF.Note", "Sent Items", Names("Sendt post", "Gesendete Elemente", "Éléments envoyés", "Skickat")),
        new("tasks", "msgfolderroot", "IPF.Task", "Tasks", Names("Opgaver", "Aufgaben", "Tâches", "Uppgifter")),
        new("archive", "msgfolderroot", "IPF.Note", "Archive", Names("Arkiv", "Archiv", "Archive", "Arkiv")),
        new("conversationhistory", "msgfolderroot", null, "Conversation History", Names("Samtaleoversigt", "Unterhaltungsverlauf", "Historique des conversations", "Konversationshistorik")),
        new("syncissues", "msgfolderroot", "IPF.Note", "Sync Issues", Names("Synkroniseringsproblemer", "Synchronisierungsprobleme", "Problèmes de synchronisation", "Synkroniseringsproblem")),
        new("conflicts", "syncissues", null, "Conflicts", Names("Konflikter", "Konflikte", "Conflits", "Konflikter")),
        new("localfailures", "syncissues", null, "Local Failures", Names("Lokale fejl", "Lokale Fehler", "Échecs locaux", "Lokala fel")),
        new("serverfailures", "syncissues", null, "Server Failures", Names("Serverfejl", "Serverfehler", "Échecs du serveur", "Serverfel")),
        new("~rssfeeds", "msgfolderroot", "IPF.Note.OutlookHomepage", "RSS Feeds", Names("RSS-feeds", "RSS-Feeds", "Flux RSS", "RSS-flöden")),
        new("~conversationsettings", "msgfolderroot", "IPF.Configuration", "Conversation Action Settings", Names("Indstillinger for samtalehandlinger", "Einstellungen für Unterhaltungsaktionen", "Paramètres d'action de conversation", "Inställningar för konversationsåtgärder")),

        // Under Contacts: the recipient cache (addresses mailed to), Skype's contact lists (Exchange's GUID names), the GAL's.
        new("recipientcache", "contacts", "IPF.Contact.RecipientCache", "Recipient Cache"),
        new("quickcontacts", "contacts", "IPF.Contact.MOC.QuickContacts", "{06967759-274D-40B2-A3EB-D7F9E73727D7}"),
        new("imcontactlist", "contacts", "IPF.Contact.MOC.ImContactList", "{A9E2BC46-B3A0-4243-B315-60D991004455}"),
        new("~galcontacts", "contacts", "IPF.Contact.GalContacts", "GAL Contacts"),
        new("~organizationalcontacts", "contacts", "IPF.Contact.OrganizationalContacts", "Organizational Contacts"),
        new("~peoplecentricconversationbuddies", "contacts", "IPF.Contact.PeopleCentricConversationBuddies", "PeopleCentricConversation Buddies"),

        // The non-IPM subtree: search folders' root (Exchange calls it Finder), To-Do search, reminders, and the system
        // folders Exchange keeps for its own use.
        new("searchfolders", "root", null, "Finder"),
        new("todosearch", "root", "IPF.Task", "To-Do Search"),
        new("~reminders", "root", "Outlook.Reminder", "Reminders", Names("Påmindelser", "Erinnerungen", "Rappels", "Påminnelser")),
        new("~allitems", "root", "IPF", "AllItems"),
        new("~allcontacts", "root", "IPF.Note", "AllContacts"),
        new("~applicationdata", "root", "IPM.ApplicationData", "ApplicationDataRoot"),
        new("~commonviews", "root", null, "Common Views"),
        new("~defaultfolderschangehistory", "root", "IPM.DefaultFolderHistoryItem", "DefaultFoldersChangeHistory"),
        new("~deferredaction", "root", null, "Deferred Action"),
        new("~exchangesyncdata", "root", null, "ExchangeSyncData"),
        new("~freebusydata", "root", null, "Freebusy Data"),
        new("~location", "root", null, "Location"),
        new("~mailboxassociations", "root", null, "MailboxAssociations"),
        new("~parkedmessages", "root", null, "ParkedMessages"),
        new("~schedule", "root", null, "Schedule"),
        new("~shortcuts", "root", null, "Shortcuts"),
        new("~spoolerqueue", "root", null, "Spooler Queue"),
        new("~temporarysaves", "root", null, "TemporarySaves"),
        new("~views", "root", null, "Views"),
        new("~workingset", "root", null, "Working Set"),
    ];

    private static readonly Dictionary<string, DefaultFolder> ByKey = All.ToDictionary(f => f.Key, StringComparer.Ordinal);

    public static DefaultFolder? Find(string key) => ByKey.GetValueOrDefault(key);

    /// <summary>Whether <paramref name="culture"/> is an RFC 3066 tag (letters, digits and hyphens, starting with a language).</summary>
    public static bool IsCulture(string culture) =>
        culture.Length is > 1 and <= 35
        && culture.Split('-') is var parts
        && parts[0].Length is 2 or 3 && parts[0].All(char.IsAsciiLetter)
        && parts.Skip(1).All(p => p.Length is > 0 and <= 8 && p.All(char.IsAsciiLetterOrDigit));

    /// <summary>The lower-case language of a culture tag (da of da-DK), or null.</summary>
    public static string? Language(string? culture) =>
        culture is { Length: > 1 } c ? c.Split('-')[0].ToLowerInvariant() : null;
}
