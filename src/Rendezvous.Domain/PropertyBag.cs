namespace Rendezvous.Domain;

/// <summary>
/// An item's properties, keyed by definition (MimeKit style: typed accessors on <see cref="Item"/> read and write it).
/// Setting null removes the entry, so "unset" and "null" are one state, as in MAPI.
/// </summary>
public sealed class PropertyBag
{
    private readonly Dictionary<PropertyDefinition, object> values;

    public PropertyBag() => values = [];

    /// <summary>A bag sized for <paramref name="capacity"/> properties (a reader that knows about how many it will set).</summary>
    public PropertyBag(int capacity) => values = new Dictionary<PropertyDefinition, object>(capacity);

    private PropertyBag(Dictionary<PropertyDefinition, object> values) => this.values = values;

    public int Count => values.Count;

    public IEnumerable<KeyValuePair<PropertyDefinition, object>> Entries => values;

    public bool Contains(PropertyDefinition definition) => values.ContainsKey(definition);

    public object? this[PropertyDefinition definition]
    {
        get => values.GetValueOrDefault(definition);
        set => Set(definition, value);
    }

    public T? GetRef<T>(PropertyDefinition definition)
        where T : class => values.TryGetValue(definition, out var value) ? value as T : null;

    public T? GetValue<T>(PropertyDefinition definition)
        where T : struct => values.TryGetValue(definition, out var value) && value is T typed ? typed : null;

    /// <summary>The value, added first when absent (for collections the caller adds to).</summary>
    public T GetOrAdd<T>(PropertyDefinition definition, Func<T> create)
        where T : class
    {
        if (values.TryGetValue(definition, out var value) && value is T typed)
        {
            return typed;
        }

        var created = create();
        values[definition] = created;
        return created;
    }

    public void Set(PropertyDefinition definition, object? value)
    {
        if (value is null)
        {
            values.Remove(definition);
        }
        else
        {
            values[definition] = value;
        }
    }

    public void Remove(PropertyDefinition definition) => values.Remove(definition);

    /// <summary>A copy whose lists are copies too (their elements are immutable records or strings).</summary>
    public PropertyBag Clone()
    {
        var copy = new Dictionary<PropertyDefinition, object>(values.Count);
        foreach (var (definition, value) in values)
        {
            copy[definition] = value switch
            {
                List<string> list => new List<string>(list),
                System.Collections.IList list => CopyList(list),
                _ => value,
            };
        }

        return new PropertyBag(copy);
    }

    private static object CopyList(System.Collections.IList list)
    {
        var copy = (System.Collections.IList)Activator.CreateInstance(list.GetType(), list.Count)!;
        foreach (var element in list)
        {
            copy.Add(element);
        }

        return copy;
    }
}

/// <summary>Properties the server keeps on an item that no schema element carries (hand-written: computed or server state).</summary>
public static class ServerProperties
{
    /// <summary>Attendees or recipients this server could not deliver to (not local; external delivery comes later).</summary>
    public static readonly PropertyDefinition UndeliveredRecipients = new("Rendezvous", "UndeliveredRecipients", null, null, Protocol.ExchangeVersion.Exchange2007, null, null, null);

    /// <summary>
    /// A recurring master's series bounds (UTC) as the services computed them from its recurrence, for the store's window
    /// of series (issue 16): the first occurrence's start, and the last one's end (absent: the series has no end).
    /// </summary>
    public static readonly PropertyDefinition SeriesStart = new("Rendezvous", "SeriesStart", null, null, Protocol.ExchangeVersion.Exchange2007, null, null, null);

    /// <inheritdoc cref="SeriesStart"/>
    public static readonly PropertyDefinition SeriesEnd = new("Rendezvous", "SeriesEnd", null, null, Protocol.ExchangeVersion.Exchange2007, null, null, null);
}
