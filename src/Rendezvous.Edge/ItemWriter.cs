using Rendezvous.Calendar;
using Rendezvous.Domain;
using Rendezvous.Protocol;
using Rendezvous.Mime;

namespace Rendezvous.Edge;

/// <summary>Writes items in schema order, holding only what the shape asks for and the request version knows.</summary>
public static class ItemWriter
{
    /// <summary>Whether FindItem is writing: it never returns bodies (as Exchange).</summary>
    public static void Write(EwsWriter w, Item item, ItemShape shape, WriteContext context, bool forFind = false)
    {
        var plan = context.Plan;
        if (plan is null || !ReferenceEquals(plan.Shape, shape) || plan.Kind != item.Kind || plan.ForFind != forFind)
        {
            context.Plan = plan = WritePlan.For(shape, item.Kind, context, forFind);
        }

        WriteSteps(w, item, null, plan, shape, context);
    }

    /// <summary>
    /// Writes occurrence <paramref name="occurrence"/> of <paramref name="master"/> as <see cref="Write"/> writes
    /// <see cref="SeriesItems.MaterialiseReadOnly"/>'s item, byte for byte, without making that item: the occurrence's
    /// own elements (id, times, type, the series' own fields it lacks) from a scratch item holding only those, every
    /// other element from the master. A shape asking for an element that reads more of the occurrence than that
    /// (<see cref="WritePlan.WritesOccurrencesFromMaster"/>) has the item made and written as before.
    /// </summary>
    public static void WriteOccurrence(EwsWriter w, Item master, Occurrence occurrence, ItemShape shape, WriteContext context, bool forFind = false)
    {
        var plan = context.Plan;
        if (plan is null || !ReferenceEquals(plan.Shape, shape) || plan.Kind != master.Kind || plan.ForFind != forFind)
        {
            context.Plan = plan = WritePlan.For(shape, master.Kind, context, forFind);
        }

        if (occurrence.IsException || !plan.WritesOccurrencesFromMaster)
        {
            Write(w, SeriesItems.MaterialiseReadOnly(master, occurrence), shape, context, forFind);
            return;
        }

        // Only written from, one occurrence at a time: the response's one scratch item is refilled for each.
        var own = context.OccurrenceScratch ??= new Item(8) { Kind = master.Kind };
        own.Kind = master.Kind;
        own.Id = EwsIds.OccurrenceId(master.Id, master.MailboxId, occurrence.Index);
        own.ChangeNumber = master.ChangeNumber;
        own.Start = occurrence.StartUtc;
        own.End = occurrence.EndUtc;
        own.OriginalStart = occurrence.OriginalStartUtc;
        own.Properties.Set(ItemProperties.CalendarItemType_CalendarItemType, SchemaValues.CalendarItemTypeType.Occurrence);
        if (OccurrenceTemplates.Find(w, master, plan, shape, context) is { } template)
        {
            WriteFromTemplate(w, master, own, plan, template, context);
            return;
        }

        WriteSteps(w, master, own, plan, shape, context);
    }

    /// <summary>
    /// An occurrence from its master's template: the master's runs of steps as the bytes they wrote the first time,
    /// the occurrence's own steps written between them as <see cref="WriteSteps"/> writes them.
    /// </summary>
    private static void WriteFromTemplate(EwsWriter w, Item master, Item own, WritePlan plan, XmlFragment?[] template, WriteContext context)
    {
        w.StartT(ItemSchema.ElementName(master.Kind));
        var runs = plan.Runs;
        for (var r = 0; r < runs.Length; r++)
        {
            if (template[r] is { } fragment)
            {
                w.Fragment(fragment);
                continue;
            }

            var (from, count) = runs[r];
            for (var i = from; i < from + count; i++)
            {
                var def = plan.Steps[i].Def!;
                if (def.Has(own, context))
                {
                    def.Write(w, own, context);
                }
            }
        }

        w.End();
    }

    /// <summary>Writes steps [from, from + count) of <paramref name="plan"/> from <paramref name="item"/> alone (a master's run of a template).</summary>
    internal static void WriteRun(EwsWriter w, Item item, WritePlan plan, int from, int count, ItemShape shape, WriteContext context)
    {
        for (var i = from; i < from + count; i++)
        {
            var step = plan.Steps[i];
            if (step.Def!.Has(item, context))
            {
                if (step.Kind == WriteStep.Body)
                {
                    WriteBody(w, item.Body!, shape.BodyType, shape.FilterHtmlContent);
                }
                else
                {
                    step.Def.Write(w, item, context);
                }
            }
        }
    }

    private static void WriteSteps(EwsWriter w, Item item, Item? own, WritePlan plan, ItemShape shape, WriteContext context)
    {
        w.StartT(ItemSchema.ElementName(item.Kind));
        foreach (var step in plan.Steps)
        {
            switch (step.Kind)
            {
                case WriteStep.Property when own is not null && WritePlan.OccurrenceOwn.Contains(step.Def!):
                    if (step.Def!.Has(own, context))
                    {
                        step.Def.Write(w, own, context);
                    }

                    break;
                case WriteStep.Property when step.Def!.Has(item, context):
                    step.Def.Write(w, item, context);
                    break;
                case WriteStep.Body when step.Def!.Has(item, context):
                    WriteBody(w, item.Body!, shape.BodyType, shape.FilterHtmlContent);
                    break;
                case WriteStep.Extended:
                    WriteExtended(w, item, plan.Extended);
                    break;
                case WriteStep.Indexed:
                    // IndexedFieldURIs name entries of a dictionary: the dictionary holding just those.
                    IndexedField.WriteEntries(w, item, step.Indexed!.Value.Container, step.Indexed.Value.Keys);
                    break;
                default:
                    break;
            }
        }

        w.End();
    }

    private static void WriteExtended(EwsWriter w, Item item, List<ExtendedPropertyPath>? wanted)
    {
        if (wanted is null)
        {
            return;
        }

        foreach (var path in wanted)
        {
            var property = MapiAliases.Read(item, path);
            if (property is null)
            {
                continue;
            }

            w.StartT("ExtendedProperty");
            WritePath(w, path);
            if (property.Values is { } values)
            {
                w.StartT("Values");
                foreach (var v in values)
                {
                    w.T("Value", v);
                }

                w.End();
            }
            else
            {
                w.T("Value", property.Value ?? "");
            }

            w.End();
        }
    }

    /// <summary>Writes the path as the client asked for it (Exchange echoes the requested form).</summary>
    public static void WritePath(EwsWriter w, ExtendedPropertyPath path)
    {
        w.StartT("ExtendedFieldURI");
        w.Attr("DistinguishedPropertySetId", path.DistinguishedPropertySetId);
        w.Attr("PropertySetId", path.PropertySetId);
        w.Attr("PropertyTag", path.PropertyTag);
        w.Attr("PropertyName", path.PropertyName);
        w.Attr("PropertyId", path.PropertyId is { } id ? Values.Format(id) : null);
        w.Attr("PropertyType", path.PropertyType);
        w.End();
    }

    private static void WriteBody(EwsWriter w, Body body, string? requested, bool filterHtml)
    {
        var type = requested is null or SchemaValues.BodyTypeResponseType.Best ? body.BodyType : requested;
        var text = (type, body.BodyType) switch
        {
            (SchemaValues.BodyTypeType.Text, SchemaValues.BodyTypeType.HTML) => HtmlContent.ToText(body.Text),
            (SchemaValues.BodyTypeType.HTML, SchemaValues.BodyTypeType.Text) => "<html><body>" + System.Net.WebUtility.HtmlEncode(body.Text).Replace("\n", "<br>", StringComparison.Ordinal) + "</body></html>",
            _ => body.Text,
        };
        if (filterHtml && type == SchemaValues.BodyTypeType.HTML)
        {
            text = HtmlContent.Filter(text);
        }

        w.StartT("Body");
        w.Attr("BodyType", type);
        w.Xml.WriteString(text);
        w.End();
    }

    /// <summary>A body's text: as it is, or an HTML body without its markup.</summary>
    public static string AsText(Body body) => body.BodyType == SchemaValues.BodyTypeType.HTML ? HtmlContent.ToText(body.Text) : body.Text;
}

/// <summary>What one step of a written item does.</summary>
internal enum WriteStep
{
    Property,
    Body,
    Extended,
    Indexed,
}

/// <summary>
/// The properties a shape asks for on one kind, in schema order, worked out once per response rather than once per
/// item: a calendar item's order holds about 130 definitions, and asking each of them whether the shape names it (a
/// hash of its FieldURI) for each of a week's 50 items was most of issue 14's CPU regression in CalendarView.
/// </summary>
internal sealed class WritePlan
{
    private WritePlan(ItemShape shape, ItemKind kind, bool forFind)
    {
        Shape = shape;
        Kind = kind;
        ForFind = forFind;
    }

    public ItemShape Shape { get; }

    public ItemKind Kind { get; }

    public bool ForFind { get; }

    public List<(WriteStep Kind, PropertyDef? Def, (PropertyDefinition Container, HashSet<string> Keys)? Indexed)> Steps { get; } = [];

    public List<ExtendedPropertyPath>? Extended { get; private set; }

    /// <summary>
    /// Whether an occurrence can be written from its master (<see cref="ItemWriter.WriteOccurrence"/>): every step is
    /// one of the occurrence's own elements or reads only what the occurrence shares with its master.
    /// </summary>
    public bool WritesOccurrencesFromMaster { get; private set; }

    /// <summary>With <see cref="WritesOccurrencesFromMaster"/>: the steps' positions in the kind's order, which name the steps across responses.</summary>
    public string StepsKey { get; private set; } = "";

    /// <summary>With <see cref="WritesOccurrencesFromMaster"/>: the steps as runs of the occurrence's own ones and of its master's ones.</summary>
    public (int From, int Count)[] Runs { get; private set; } = [];

    /// <summary>Whether each of <see cref="Runs"/> is of the occurrence's own steps.</summary>
    public bool[] RunIsOwn { get; private set; } = [];

    /// <summary>The template key of this plan for one response's writer (<see cref="OccurrenceTemplates"/>), once worked out.</summary>
    internal (EwsWriter Writer, object? Key)? TemplateKey { get; set; }

    /// <summary>
    /// The elements of a calendar item whose value on an occurrence is the occurrence's own: its id, times and type,
    /// and the series' own fields, which an occurrence lacks (SeriesItems' SeriesOwn): written from the occurrence's
    /// scratch item. They read nothing else of an item (<c>OccurrenceWritingTests</c> holds every element to it).
    /// </summary>
    internal static readonly HashSet<PropertyDef> OccurrenceOwn =
    [
        ItemSchema.ItemId, ItemSchema.Start, ItemSchema.End, ItemSchema.OriginalStart, ItemSchema.RecurrenceId, ItemSchema.IsRecurring,
        ItemSchema.CalendarItemType, ItemSchema.Duration, ItemSchema.CalendarRecurrence, ItemSchema.FirstOccurrence, ItemSchema.LastOccurrence,
        ItemSchema.ModifiedOccurrences, ItemSchema.DeletedOccurrences,
    ];

    /// <summary>
    /// Elements that read an occurrence's own values together with others (the reminder's due time from the start, the
    /// legacy zone from the start's year, the response objects from the whole item, a conversation's id made from the
    /// item's id, the MIME form): a shape with one of them has each occurrence made as an item.
    /// </summary>
    internal static readonly HashSet<PropertyDef> OccurrenceMixed =
    [
        ItemSchema.ReminderDueBy, ItemSchema.MeetingTimeZoneDef, ItemSchema.ResponseObjects, ItemSchema.ConversationId, ItemSchema.MimeContent,
    ];

    public static WritePlan For(ItemShape shape, ItemKind kind, WriteContext context, bool forFind)
    {
        var plan = new WritePlan(shape, kind, forFind);
        var positions = new System.Text.StringBuilder();
        var order = ItemSchema.Order(kind);
        var wanted = new bool[order.Count];
        Dictionary<string, (PropertyDefinition Container, HashSet<string> Keys)>? indexed = null;
        foreach (var path in shape.Additional)
        {
            switch (path)
            {
                case FieldPath f:
                    foreach (var position in ItemSchema.PositionsOf(kind, f.Uri))
                    {
                        wanted[position] = true;
                    }

                    break;
                case ExtendedPath x:
                    (plan.Extended ??= []).Add(x.Path);
                    break;
                case IndexedPath ix when IndexedField.Find(ix) is { } field:
                    indexed ??= new Dictionary<string, (PropertyDefinition, HashSet<string>)>(StringComparer.Ordinal);
                    if (!indexed.TryGetValue(field.Container.Element, out var entry))
                    {
                        entry = (field.Container, new HashSet<string>(StringComparer.Ordinal));
                        indexed[field.Container.Element] = entry;
                    }

                    entry.Keys.Add(ix.Index);
                    break;
                default:
                    break;
            }
        }

        for (var i = 0; i < order.Count; i++)
        {
            var def = order[i];
            if (def is null)
            {
                if (plan.Extended is not null)
                {
                    plan.Steps.Add((WriteStep.Extended, null, null));
                }

                continue;
            }

            var isWanted = wanted[i] || (shape.IncludeMimeContent && def == ItemSchema.MimeContent) || shape.BaseShape switch
            {
                BaseShape.IdOnly => def == ItemSchema.ItemId,
                BaseShape.Default => def.InDefault,
                _ => !def.OnlyOnRequest || (def.InLegacyAllProperties && !context.Supports(ExchangeVersion.Exchange2010)),
            };
            if (!isWanted && indexed is not null && kind == ItemKind.Contact && indexed.TryGetValue(def.Element, out var asked))
            {
                plan.Steps.Add((WriteStep.Indexed, def, asked));
                continue;
            }

            if (!isWanted || !context.Supports(def.Since)
                || (forFind && (def.NotInFind || def == ItemSchema.MimeContent || def == ItemSchema.Attachments || def == ItemSchema.Body)))
            {
                continue;
            }

            plan.Steps.Add((def == ItemSchema.Body ? WriteStep.Body : WriteStep.Property, def, null));
            positions.Append(i).Append(',');
        }

        plan.WritesOccurrencesFromMaster = kind == ItemKind.CalendarItem
            && plan.Steps.TrueForAll(static s => s.Kind is WriteStep.Property or WriteStep.Body && !OccurrenceMixed.Contains(s.Def!));
        if (plan.WritesOccurrencesFromMaster)
        {
            plan.StepsKey = positions.ToString();
            var runs = new List<(int From, int Count)>();
            var runOwn = new List<bool>();
            for (var i = 0; i < plan.Steps.Count; i++)
            {
                var isOwn = OccurrenceOwn.Contains(plan.Steps[i].Def!);
                if (runs.Count > 0 && runOwn[^1] == isOwn)
                {
                    runs[^1] = (runs[^1].From, runs[^1].Count + 1);
                }
                else
                {
                    runs.Add((i, 1));
                    runOwn.Add(isOwn);
                }
            }

            plan.Runs = [.. runs];
            plan.RunIsOwn = [.. runOwn];
        }

        return plan;
    }
}
