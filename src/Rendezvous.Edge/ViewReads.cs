using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Edge;

/// <summary>
/// What writing a calendar view's items reads of each: for the elements a view's usual shapes name, the bag
/// properties each element's writer reads (<see cref="PropertyDef.Has"/> and <see cref="PropertyDef.Write"/>), so the
/// store decodes only those of a row (<see cref="ItemProjection"/>). An element not declared here has the rows read
/// whole. <c>ViewReadsTests</c> writes every declared element of items decoded both ways.
/// </summary>
public static class ViewReads
{
    private static readonly Dictionary<PropertyDef, PropertyDefinition[]> Reads = new()
    {
        // Its id and change key are the row's columns, not the bag's.
        [ItemSchema.ItemId] = [],
        [ItemSchema.ItemClass] = [ItemProperties.ItemType_ItemClass],
        [ItemSchema.Subject] = [ItemProperties.ItemType_Subject],
        [ItemSchema.Sensitivity] = [ItemProperties.ItemType_Sensitivity],
        [ItemSchema.Start] = [ItemProperties.CalendarItemType_Start],
        [ItemSchema.End] = [ItemProperties.CalendarItemType_End],
        [ItemSchema.Location] = [ItemProperties.CalendarItemType_Location],
        [ItemSchema.IsAllDayEvent] = [ItemProperties.CalendarItemType_IsAllDayEvent],
        [ItemSchema.LegacyFreeBusyStatus] = [ItemProperties.CalendarItemType_LegacyFreeBusyStatus],
        [ItemSchema.IsMeeting] = [ItemProperties.CalendarItemType_IsMeeting],
        // An item that is no meeting says Organizer.
        [ItemSchema.MyResponseType] = [ItemProperties.CalendarItemType_MyResponseType, ItemProperties.CalendarItemType_IsMeeting],
        [ItemSchema.Organizer] = [ItemProperties.CalendarItemType_Organizer],
    };

    /// <summary>Whether <paramref name="def"/>'s reads are declared here.</summary>
    public static bool IsDeclared(PropertyDef def) => Reads.ContainsKey(def);

    /// <summary>
    /// The calendar items' projection for a view written with <paramref name="shape"/> (FindItem's rules), with
    /// <paramref name="alsoRead"/> (what the service reads: its order, <see cref="FolderAccess.CanSee"/>), or null when
    /// the shape names an element whose reads are not declared. The plan worked out is kept for the writer.
    /// </summary>
    public static ItemProjection? CalendarView(ItemShape shape, WriteContext context, IEnumerable<PropertyDefinition> alsoRead)
    {
        ArgumentNullException.ThrowIfNull(context);
        var plan = WritePlan.For(shape, ItemKind.CalendarItem, context, forFind: true);
        context.Plan = plan;
        var wanted = new List<PropertyDefinition>(alsoRead);
        foreach (var step in plan.Steps)
        {
            if (step.Kind != WriteStep.Property || !Reads.TryGetValue(step.Def!, out var reads))
            {
                return null;
            }

            wanted.AddRange(reads);
        }

        return new ItemProjection(ItemKind.CalendarItem, wanted);
    }
}
