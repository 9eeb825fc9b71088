using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Edge;

/// <summary>
/// The recurrence properties of items on the wire: calendar:Recurrence and task:Recurrence, and a master's
/// CalendarItemType, FirstOccurrence, LastOccurrence, ModifiedOccurrences and DeletedOccurrences (read-only, computed
/// by <see cref="RecurringMaster"/>). A master's recurrence and occurrence lists are GetItem's: FindItem never writes
/// them, nor a task's recurrence (the EWS Managed API gives none of them its CanFind flag: "This property can't be used in
/// FindItem requests").
/// </summary>
public static class Recurrences
{
    public static readonly PropertyDef Calendar = new()
    {
        Uri = "calendar:Recurrence",
        Element = "Recurrence",
        NotInFind = true,
        Has = (i, _) => CalendarRecurrenceOf(i) is not null,
        Write = (w, i, c) => RecurrenceXml.Write(w, "Recurrence", CalendarRecurrenceOf(i)!, c, TimeZones.Find(i.StartTimeZone?.Id) ?? TimeZoneInfo.Utc),
        Set = (e, i, _) => i.Recurrence = RecurrenceXml.Read(e, forTask: false),
        Delete = i => i.Recurrence = null,
    };

    public static readonly PropertyDef Task = new()
    {
        Uri = "task:Recurrence",
        Element = "Recurrence",
        NotInFind = true,
        Has = (i, _) => TaskRecurrenceOf(i) is not null,
        // Task dates are UTC days here: the range's dates carry that offset, as Exchange writes a task's ("2006-01-09+01:00"
        // in the mailbox's zone); exchangelib reads a bare date as a datetime and sends it back so, which xs:date refuses.
        Write = (w, i, c) => RecurrenceXml.Write(w, "Recurrence", TaskRecurrenceOf(i)!, c, TimeZoneInfo.Utc),
        Set = (e, i, _) => i.TaskRecurrence = RecurrenceXml.Read(e, forTask: true),
        Delete = i => i.TaskRecurrence = null,
    };

    /// <summary>CalendarItemType: a master has a recurrence; an occurrence or exception an original start.</summary>
    public static string CalendarItemTypeOf(Item item) =>
        item.Recurrence is not null ? SchemaValues.CalendarItemTypeType.RecurringMaster
        // Seam for the occurrence views (helper D): a materialised exception says so in its bag; an occurrence has an original start.
        : item.Properties.GetRef<string>(ItemProperties.CalendarItemType_CalendarItemType) is { } given ? given
        : item.OriginalStart is not null ? SchemaValues.CalendarItemTypeType.Occurrence
        : SchemaValues.CalendarItemTypeType.Single;

    public static Recurrence? CalendarRecurrenceOf(Item item) => RecurrenceXml.Of(item, ItemProperties.CalendarItemType_Recurrence, forTask: false);

    public static Recurrence? TaskRecurrenceOf(Item item) => RecurrenceXml.Of(item, ItemProperties.TaskType_Recurrence, forTask: true);

    public static readonly PropertyDef FirstOccurrence = OccurrenceInfo("calendar:FirstOccurrence", "FirstOccurrence", RecurringMaster.First);

    /// <summary>LastOccurrence: none for a series without end.</summary>
    public static readonly PropertyDef LastOccurrence = OccurrenceInfo("calendar:LastOccurrence", "LastOccurrence", RecurringMaster.Last);

    public static readonly PropertyDef ModifiedOccurrences = new()
    {
        Uri = "calendar:ModifiedOccurrences",
        Element = "ModifiedOccurrences",
        NotInFind = true,
        Has = (i, _) => i.Recurrence is not null && i.Exceptions is { Count: > 0 },
        Write = (w, i, _) =>
        {
            w.StartT("ModifiedOccurrences");
            foreach (var occurrence in RecurringMaster.ModifiedOccurrences(i))
            {
                WriteOccurrence(w, "Occurrence", i, occurrence);
            }

            w.End();
        },
    };

    public static readonly PropertyDef DeletedOccurrences = new()
    {
        Uri = "calendar:DeletedOccurrences",
        Element = "DeletedOccurrences",
        NotInFind = true,
        Has = (i, _) => i.Recurrence is not null && i.DeletedOccurrences is { Count: > 0 },
        Write = (w, i, _) =>
        {
            w.StartT("DeletedOccurrences");
            foreach (var start in i.DeletedOccurrences!.Order())
            {
                w.StartT("DeletedOccurrence");
                w.T("Start", start);
                w.End();
            }

            w.End();
        },
    };

    private static PropertyDef OccurrenceInfo(string uri, string element, Func<Item, Occurrence?> find) => new()
    {
        Uri = uri,
        Element = element,
        NotInFind = true,
        Has = (i, _) => i.Recurrence is not null && find(i) is not null,
        Write = (w, i, _) => WriteOccurrence(w, element, i, find(i)!.Value),
    };

    /// <summary>OccurrenceInfoType: ItemId, Start, End, OriginalStart.</summary>
    private static void WriteOccurrence(EwsWriter w, string element, Item master, Occurrence occurrence)
    {
        w.StartT(element);
        w.ItemId("ItemId", OccurrenceIds.For(master, occurrence.Index), master.ChangeNumber);
        w.T("Start", occurrence.StartUtc);
        w.T("End", occurrence.EndUtc);
        w.T("OriginalStart", occurrence.OriginalStartUtc);
        w.End();
    }
}

/// <summary>
/// The ItemId of a master's occurrence number <c>index</c> (1-based, in the original pattern), written in FirstOccurrence,
/// LastOccurrence and ModifiedOccurrences: the occurrence's own id (<see cref="EwsIds.OccurrenceId"/>), the one a
/// CalendarView and GetItem answer for it (exchangelib compares them: first_occurrence.id == the view's first id).
/// </summary>
public static class OccurrenceIds
{
    public static string For(Item master, int index) => EwsIds.OccurrenceId(master.Id, master.MailboxId, index);
}
