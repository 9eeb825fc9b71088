using System.Globalization;
using System.Text.Json;

namespace Rendezvous.Bench.Load;

/// <summary>
/// Reads a dotnet-trace capture converted to speedscope (evented: each thread's frames open and close over time) and
/// tells where the server's time went: the thread time during which the server's own code (Rendezvous.* assemblies)
/// is on the stack, and for each method the share of that time spent under it (inclusive). Async methods appear
/// while they run on a thread, so an awaited wait does not count, but a synchronous one does (SQLite's reads and
/// fsync are synchronous under its async API). Kestrel's own work outside the endpoint is not in it.
/// </summary>
internal static class TraceSummary
{
    private const string ServerModules = "Rendezvous.";

    /// <summary>Frames that only carry async plumbing: left out of the list, they would just repeat their callers.</summary>
    private static readonly string[] Plumbing =
    [
        "AsyncMethodBuilderCore", "AsyncTaskMethodBuilder", "ExecutionContext", "TaskAwaiter", "__Canon", "AsyncStateMachineBox",
        "ValueTaskAwaiter", "ConfiguredValueTaskAwaitable", "ConfiguredTaskAwaitable", "Task`1", "Threads", "(Non-Activities)",
        "ThreadPoolWorkQueue", "PortableThreadPool", "Thread.StartCallback", "AsyncTaskMethodBuilder`1", "Process64 ", "Thread (",
        "RendezvousServer+<>c__DisplayClass",
    ];

    public static string Summarize(string speedscopeJson, int top = 45)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(speedscopeJson));
        var frames = doc.RootElement.GetProperty("shared").GetProperty("frames").EnumerateArray()
            .Select(f => f.GetProperty("name").GetString() ?? "?").ToArray();
        var underRequest = new double[frames.Length];
        var requestFrames = frames.Select(f => f.StartsWith(ServerModules, StringComparison.Ordinal)).ToArray();
        double requestTime = 0, totalTime = 0;
        var tree = new Node(-1);

        foreach (var profile in doc.RootElement.GetProperty("profiles").EnumerateArray())
        {
            var stack = new List<int>();
            var onStack = new int[frames.Length];
            var requestDepth = 0;
            double? last = null;
            foreach (var e in profile.GetProperty("events").EnumerateArray())
            {
                var at = e.GetProperty("at").GetDouble();
                if (last is { } previous && stack.Count > 0)
                {
                    // The time since the last event belongs to every distinct frame now on this thread's stack.
                    var dt = at - previous;
                    totalTime += dt;
                    if (requestDepth > 0)
                    {
                        requestTime += dt;
                        foreach (var f in stack.Distinct())
                        {
                            underRequest[f] += dt;
                        }

                        tree.Add(stack, dt, frames, requestFrames);
                    }
                }

                last = at;
                var frame = e.GetProperty("frame").GetInt32();
                if (e.GetProperty("type").GetString() == "O")
                {
                    stack.Add(frame);
                    onStack[frame]++;
                    requestDepth += requestFrames[frame] ? 1 : 0;
                }
                else
                {
                    var i = stack.LastIndexOf(frame);
                    if (i >= 0)
                    {
                        stack.RemoveAt(i);
                        onStack[frame]--;
                        requestDepth -= requestFrames[frame] ? 1 : 0;
                    }
                }
            }
        }

        var lines = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"server code on a thread: {requestTime:F0} ms of {totalTime:F0} ms sampled on all threads (idle ones included)"),
            "share of server time  method (inclusive; UNMANAGED_CODE_TIME is native code such as SQLite, CPU_TIME managed code)",
        };
        if (requestTime <= 0)
        {
            return string.Join('\n', lines) + "\n";
        }

        lines.AddRange(underRequest
            .Select((t, i) => (Time: t, Name: frames[i]))
            .Where(x => x.Time > 0 && !IsPlumbing(x.Name))
            .OrderByDescending(x => x.Time)
            .Take(top)
            .Select(x => string.Create(CultureInfo.InvariantCulture, $"{100 * x.Time / requestTime,8:F1}%  {Shorten(x.Name)}")));
        lines.Add("");
        lines.Add("call tree from the server's entry (share of server time; branches under 1.5% left out)");
        tree.Print(lines, frames, requestTime, depth: 0);
        return string.Join('\n', lines) + "\n";
    }

    private static bool IsPlumbing(string name) => Plumbing.Any(p => name.Contains(p, StringComparison.Ordinal));

    /// <summary>A top-down call tree of the server's time, without the async plumbing frames.</summary>
    private sealed class Node(int frame)
    {
        private readonly Dictionary<int, Node> children = [];

        public int Frame { get; } = frame;

        public double Time { get; private set; }

        public void Add(List<int> stack, double dt, string[] frames, bool[] serverFrames)
        {
            Time += dt;
            var node = this;
            var started = false;
            int? previous = null;
            foreach (var f in stack)
            {
                // From the first server frame on (Kestrel's frames below it are the same for every request).
                started |= serverFrames[f];
                if (!started || IsPlumbing(frames[f]) || f == previous)
                {
                    continue;
                }

                previous = f;
                if (!node.children.TryGetValue(f, out var child))
                {
                    node.children[f] = child = new Node(f);
                }

                child.Time += dt;
                node = child;
            }
        }

        public void Print(List<string> lines, string[] frames, double total, int depth)
        {
            foreach (var child in children.Values.OrderByDescending(c => c.Time))
            {
                if (child.Time / total < 0.015 || depth > 30)
                {
                    continue;
                }

                lines.Add(string.Create(CultureInfo.InvariantCulture, $"{100 * child.Time / total,6:F1}% {new string(' ', depth)}{Shorten(frames[child.Frame])}"));
                child.Print(lines, frames, total, depth + 1);
            }
        }
    }

    private static string Shorten(string name)
    {
        var bang = name.IndexOf('!', StringComparison.Ordinal);
        var paren = name.IndexOf('(', StringComparison.Ordinal);
        var head = paren > bang ? name[(bang + 1)..paren] : name[(bang + 1)..];
        return head.Length > 150 ? head[..150] : head;
    }
}
