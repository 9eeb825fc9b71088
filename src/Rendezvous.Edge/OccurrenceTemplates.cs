using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Rendezvous.Domain;
using Rendezvous.Protocol;

namespace Rendezvous.Edge;

/// <summary>
/// A master's elements as an occurrence of it writes them, kept with the master between responses (bench, issue 16:
/// a recurring week view wrote some 40 occurrences each asking the master for the same ten elements, the writer a
/// fifth of the request). For one plan (the steps, so shape, kind, find's rules and version), reader and time zone, an
/// occurrence is its master's runs of steps as the bytes they wrote the first time, with its own steps (id, times,
/// type) written between them. Kept per master instance: the series cache hands out a new instance when a master
/// changes (its change number moves) and never changes one it has handed out, so a template is never older than the
/// master it is written for; it goes when the master does (a weak table).
/// </summary>
internal static class OccurrenceTemplates
{
    private const int PerMaster = 4;
    private const int MaxKeys = 4096;

    private static readonly ConditionalWeakTable<Item, Kept> Masters = [];
    private static readonly ConcurrentDictionary<string, object> Keys = new(StringComparer.Ordinal);

    /// <summary>Written alike for one key: the fragments of the master's runs (null for the occurrence's own runs), or none when the master's runs cannot be kept.</summary>
    private sealed record Entry(object Key, XmlFragment?[]? Fragments);

    private sealed class Kept
    {
        public Entry[] Entries = [];
    }

    /// <summary>The template of <paramref name="master"/> for this plan, reader and writer, made on first use; null when none can be used.</summary>
    public static XmlFragment?[]? Find(EwsWriter w, Item master, WritePlan plan, ItemShape shape, WriteContext context)
    {
        if (KeyOf(w, plan, shape, context) is not { } key)
        {
            return null;
        }

        var kept = Masters.GetValue(master, static _ => new Kept());
        var entries = Volatile.Read(ref kept.Entries);
        foreach (var entry in entries)
        {
            if (ReferenceEquals(entry.Key, key))
            {
                return entry.Fragments;
            }
        }

        var made = new Entry(key, Make(w, master, plan, shape, context));
        lock (kept)
        {
            // The newest first; beyond a few keys (clients asking other shapes) the oldest goes.
            var now = kept.Entries;
            Volatile.Write(ref kept.Entries, [made, .. now.Length < PerMaster ? now : now.AsSpan(0, PerMaster - 1)]);
        }

        return made.Fragments;
    }

    /// <summary>
    /// One object per distinct plan, reader, zone and body options, worked out once per response (kept on the plan for
    /// its writer): templates are found by reference. Null where fragments cannot be written as captured (the
    /// envelope's bindings are not in scope).
    /// </summary>
    private static object? KeyOf(EwsWriter w, WritePlan plan, ItemShape shape, WriteContext context)
    {
        if (plan.TemplateKey is { } resolved && ReferenceEquals(resolved.Writer, w))
        {
            return resolved.Key;
        }

        object? key = null;
        if (w.HasEnvelopeBindings())
        {
            var text = string.Join('\n', plan.Kind.ToString(), plan.ForFind ? "find" : "get", context.Version.ToString(), context.Reader,
                shape.BodyType ?? "", shape.FilterHtmlContent ? "filter" : "", plan.StepsKey, w.Zone?.ToSerializedString() ?? "");
            if (!Keys.TryGetValue(text, out key))
            {
                if (Keys.Count >= MaxKeys)
                {
                    // Templates under the keys dropped are simply not found again: made anew under new keys.
                    Keys.Clear();
                }

                key = Keys.GetOrAdd(text, static t => new object());
            }
        }

        plan.TemplateKey = (w, key);
        return key;
    }

    private static XmlFragment?[]? Make(EwsWriter w, Item master, WritePlan plan, ItemShape shape, WriteContext context)
    {
        var fragments = new XmlFragment?[plan.Runs.Length];
        for (var r = 0; r < plan.Runs.Length; r++)
        {
            if (plan.RunIsOwn[r])
            {
                continue;
            }

            var (from, count) = plan.Runs[r];
            var fragment = XmlFragment.Capture(f => ItemWriter.WriteRun(f, master, plan, from, count, shape, context), w.Zone);
            if (fragment is null)
            {
                return null;
            }

            fragments[r] = fragment;
        }

        return fragments;
    }
}
