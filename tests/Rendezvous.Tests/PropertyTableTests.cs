using Rendezvous.Domain;

namespace Rendezvous.Tests;

/// <summary>
/// The bag's own table (issue 14's allocations: an open-addressing table instead of a Dictionary): whatever sequence of
/// writes, removals and rewrites, it answers as a dictionary would.
/// </summary>
public sealed class PropertyTableTests
{
    private static readonly PropertyDefinition[] Definitions = [.. ItemProperties.ByType.Values.SelectMany(d => d).Distinct()];

    [Theory]
    [InlineData(0, 1)]
    [InlineData(9, 2)]
    [InlineData(24, 3)]
    public void A_bag_answers_as_a_dictionary_through_random_sets_removals_and_rewrites(int capacity, int seed)
    {
        var random = new Random(seed);
        var bag = capacity == 0 ? new PropertyBag() : new PropertyBag(capacity);
        var model = new Dictionary<PropertyDefinition, object>();
        // Few definitions at a time, so that a removed one is often written again (its tombstone found) and the table grows.
        var pool = Definitions.OrderBy(_ => random.Next()).Take(80).ToArray();
        for (var step = 0; step < 20_000; step++)
        {
            var definition = pool[random.Next(step < 10_000 ? 20 : pool.Length)];
            switch (random.Next(4))
            {
                case 0:
                    bag.Remove(definition);
                    model.Remove(definition);
                    break;
                case 1:
                    bag[definition] = null;
                    model.Remove(definition);
                    break;
                default:
                    var value = (object)step;
                    bag.Set(definition, value);
                    model[definition] = value;
                    break;
            }

            Assert.Equal(model.Count, bag.Count);
            Assert.Equal(model.GetValueOrDefault(definition), bag[definition]);
        }

        foreach (var definition in pool)
        {
            Assert.Equal(model.ContainsKey(definition), bag.Contains(definition));
            Assert.Equal(model.GetValueOrDefault(definition), bag[definition]);
        }

        Assert.Equal(model.OrderBy(e => e.Key.Key, StringComparer.Ordinal), bag.Entries.OrderBy(e => e.Key.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void A_removed_property_written_again_is_found_and_counted_once()
    {
        var bag = new PropertyBag();
        bag.Set(ItemProperties.ItemType_Subject, "one");
        bag.Set(ItemProperties.CalendarItemType_Location, "here");
        bag.Remove(ItemProperties.ItemType_Subject);
        Assert.False(bag.Contains(ItemProperties.ItemType_Subject));
        Assert.Equal(1, bag.Count);
        bag.Set(ItemProperties.ItemType_Subject, "two");
        Assert.Equal("two", bag.GetRef<string>(ItemProperties.ItemType_Subject));
        Assert.Equal(2, bag.Count);
        Assert.Equal(2, bag.Entries.Count());
    }

    [Fact]
    public void A_clone_is_independent_of_its_original_lists_included()
    {
        var bag = new PropertyBag(4);
        var categories = new List<string> { "a" };
        bag.Set(ItemProperties.ItemType_Categories, categories);
        bag.Set(ItemProperties.ItemType_Subject, "s");
        bag.Set(ItemProperties.CalendarItemType_Start, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var copy = bag.Clone();
        categories.Add("b");
        copy.Remove(ItemProperties.ItemType_Subject);
        copy.Set(ItemProperties.CalendarItemType_Location, "x");
        Assert.Equal(["a"], copy.GetRef<List<string>>(ItemProperties.ItemType_Categories)!);
        Assert.Equal("s", bag.GetRef<string>(ItemProperties.ItemType_Subject));
        Assert.False(bag.Contains(ItemProperties.CalendarItemType_Location));
        Assert.Equal(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), copy.GetValue<DateTime>(ItemProperties.CalendarItemType_Start));
        Assert.Equal(3, bag.Count);
        Assert.Equal(3, copy.Count);
    }

    [Fact]
    public void An_empty_bag_answers_without_a_table()
    {
        var bag = new PropertyBag();
        Assert.Equal(0, bag.Count);
        Assert.Empty(bag.Entries);
        Assert.Null(bag[ItemProperties.ItemType_Subject]);
        bag.Remove(ItemProperties.ItemType_Subject);
        Assert.Equal(0, bag.Clone().Count);
    }
}
