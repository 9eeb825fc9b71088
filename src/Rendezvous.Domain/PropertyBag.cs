namespace Rendezvous.Domain;

/// <summary>
/// An item's properties, keyed by definition (MimeKit style: typed accessors on <see cref="Item"/> read and write it).
/// Setting null removes the entry, so "unset" and "null" are one state, as in MAPI.
/// </summary>
/// <remarks>
/// An open-addressing table of (definition, value) pairs hashed by the definition's ordinal, made on the first write:
/// a Dictionary cost an item 80 bytes of object, a bucket array and 24-byte entries (about 500 bytes for the nine
/// properties of a free/busy read, against 280 here), and a lookup two interface calls (issue 14's allocations). A
/// removed entry keeps its definition with a null value (a tombstone), so a later write of it finds its slot again.
/// </remarks>
public sealed class PropertyBag
{
    private const int MinimumSlots = 8;

    private Slot[]? slots;

    // Slots holding a definition (values and tombstones) and slots holding a value.
    private int used;
    private int count;

    public PropertyBag()
    {
    }

    /// <summary>A bag sized for <paramref name="capacity"/> properties (a reader that knows about how many it will set).</summary>
    public PropertyBag(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        if (capacity > 0)
        {
            slots = new Slot[SlotsFor(capacity)];
        }
    }

    private PropertyBag(Slot[]? slots, int used, int count)
    {
        this.slots = slots;
        this.used = used;
        this.count = count;
    }

    public int Count => count;

    public IEnumerable<KeyValuePair<PropertyDefinition, object>> Entries
    {
        get
        {
            if (slots is null)
            {
                yield break;
            }

            foreach (var slot in slots)
            {
                if (slot.Value is not null)
                {
                    yield return new KeyValuePair<PropertyDefinition, object>(slot.Key!, slot.Value);
                }
            }
        }
    }

    public bool Contains(PropertyDefinition definition) => Find(definition) is not null;

    public object? this[PropertyDefinition definition]
    {
        get => Find(definition);
        set => Set(definition, value);
    }

    public T? GetRef<T>(PropertyDefinition definition)
        where T : class => Find(definition) as T;

    public T? GetValue<T>(PropertyDefinition definition)
        where T : struct => Find(definition) is T typed ? typed : null;

    /// <summary>The value, added first when absent (for collections the caller adds to).</summary>
    public T GetOrAdd<T>(PropertyDefinition definition, Func<T> create)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(create);
        if (Find(definition) is T typed)
        {
            return typed;
        }

        var created = create();
        Set(definition, created);
        return created;
    }

    public void Set(PropertyDefinition definition, object? value)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (value is null)
        {
            Remove(definition);
            return;
        }

        if (slots is null || (used + 1) * 4 > slots.Length * 3)
        {
            Grow();
        }

        var mask = slots!.Length - 1;
        for (var i = Start(definition, mask); ; i = (i + 1) & mask)
        {
            ref var slot = ref slots[i];
            if (slot.Key is null)
            {
                slot.Key = definition;
                slot.Value = value;
                used++;
                count++;
                return;
            }

            if (ReferenceEquals(slot.Key, definition))
            {
                if (slot.Value is null)
                {
                    count++;
                }

                slot.Value = value;
                return;
            }
        }
    }

    public void Remove(PropertyDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (slots is null)
        {
            return;
        }

        var mask = slots.Length - 1;
        for (var i = Start(definition, mask); slots[i].Key is { } key; i = (i + 1) & mask)
        {
            if (ReferenceEquals(key, definition))
            {
                if (slots[i].Value is not null)
                {
                    slots[i].Value = null;
                    count--;
                }

                return;
            }
        }
    }

    /// <summary>A copy whose lists are copies too (their elements are immutable records or strings).</summary>
    public PropertyBag Clone() => Clone([]);

    /// <summary>A copy without <paramref name="left"/>'s properties (not copied first); its lists are copies.</summary>
    public PropertyBag Clone(PropertyDefinition[] left)
    {
        ArgumentNullException.ThrowIfNull(left);
        if (slots is null)
        {
            return new PropertyBag();
        }

        var copy = (Slot[])slots.Clone();
        var present = count;
        for (var i = 0; i < copy.Length; i++)
        {
            ref var slot = ref copy[i];
            if (slot.Value is null)
            {
                continue;
            }

            if (IsAmong(slot.Key!, left))
            {
                slot.Value = null;
                present--;
                continue;
            }

            slot.Value = slot.Value switch
            {
                List<string> list => new List<string>(list),
                System.Collections.IList list => CopyList(list),
                var value => value,
            };
        }

        return new PropertyBag(copy, used, present);
    }

    /// <summary>
    /// A copy without <paramref name="left"/>'s properties that shares every other value with this bag, lists included:
    /// for a copy that is only read (a calendar view's occurrence, written out and dropped). Copying each list, and
    /// reading each value's type to find the lists, was most of materialising an occurrence (bench, issue 16).
    /// </summary>
    public PropertyBag CloneShared(PropertyDefinition[] left)
    {
        ArgumentNullException.ThrowIfNull(left);
        if (slots is null)
        {
            return new PropertyBag();
        }

        var copy = (Slot[])slots.Clone();
        var present = count;
        for (var i = 0; i < copy.Length; i++)
        {
            ref var slot = ref copy[i];
            if (slot.Key is { } key && IsAmong(key, left) && slot.Value is not null)
            {
                slot.Value = null;
                present--;
            }
        }

        return new PropertyBag(copy, used, present);
    }

    private object? Find(PropertyDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var table = slots;
        if (table is null)
        {
            return null;
        }

        var mask = table.Length - 1;
        for (var i = Start(definition, mask); table[i].Key is { } key; i = (i + 1) & mask)
        {
            if (ReferenceEquals(key, definition))
            {
                return table[i].Value;
            }
        }

        return null;
    }

    // Fibonacci hashing of the ordinal: definitions set together have neighbouring ordinals, spread over the table here.
    private static int Start(PropertyDefinition definition, int mask) => (int)(((uint)definition.Ordinal * 0x9E3779B9u) >> 16) & mask;

    /// <summary>The table for <paramref name="capacity"/> values: a power of two at most three quarters full.</summary>
    private static int SlotsFor(int capacity) => (int)Math.Max(MinimumSlots, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)((capacity * 4 + 2) / 3)));

    /// <summary>Makes room for one more definition: a table twice as large when the values need it, and never the tombstones.</summary>
    private void Grow()
    {
        var old = slots;
        slots = new Slot[old is null ? MinimumSlots : SlotsFor(count + 1)];
        used = 0;
        count = 0;
        if (old is null)
        {
            return;
        }

        foreach (var slot in old)
        {
            if (slot.Value is not null)
            {
                Set(slot.Key!, slot.Value);
            }
        }
    }

    private static bool IsAmong(PropertyDefinition key, PropertyDefinition[] definitions)
    {
        foreach (var definition in definitions)
        {
            if (ReferenceEquals(definition, key))
            {
                return true;
            }
        }

        return false;
    }

    private static object CopyList(System.Collections.IList list) =>
        ListCopiers.GetOrAdd(list.GetType(), static type => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>)
            ? typeof(PropertyBag).GetMethod(nameof(CopyTyped), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(type.GetGenericArguments()).CreateDelegate<Func<System.Collections.IList, object>>()
            : CopyAny)(list);

    // One copier per list type, made once: Activator.CreateInstance per list was 7% of a recurring week view's CPU.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, Func<System.Collections.IList, object>> ListCopiers = new();

    private static object CopyTyped<T>(System.Collections.IList list) => new List<T>((List<T>)list);

    private static object CopyAny(System.Collections.IList list)
    {
        var copy = (System.Collections.IList)Activator.CreateInstance(list.GetType(), list.Count)!;
        foreach (var element in list)
        {
            copy.Add(element);
        }

        return copy;
    }

    private struct Slot
    {
        public PropertyDefinition? Key;
        public object? Value;
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

    /// <summary>On an exception's changes: the keys of the master's properties deleted from that occurrence alone (issue 16).</summary>
    public static readonly PropertyDefinition ClearedProperties = new("Rendezvous", "ClearedProperties", null, null, Protocol.ExchangeVersion.Exchange2007, null, null, null);

    /// <summary>
    /// The mailbox of the user who created the item in another's folder through a permission (issue 18): what the
    /// EditItems and DeleteItems right Owned covers. Absent on what the owner created.
    /// </summary>
    public static readonly PropertyDefinition CreatedBy = new("Rendezvous", "CreatedBy", null, null, Protocol.ExchangeVersion.Exchange2007, null, null, null);
}
