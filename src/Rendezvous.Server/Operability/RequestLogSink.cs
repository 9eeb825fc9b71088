namespace Rendezvous.Server;

/// <summary>How the request log's lines are written when the server writes its own console log (<see cref="RequestLogSink"/>).</summary>
public sealed class RequestLogOutput
{
    /// <summary>Where the lines go; null: the process's standard output (beside the console log's other lines).</summary>
    public Stream? Stream { get; set; }

    /// <summary>The longest a line waits in the buffer before it is written (a block of lines is written at once).</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The most bytes of lines waiting to be written; a line that would pass it is dropped and counted
    /// (<c>rdv_request_log_dropped_total</c>, and a warning line once the output takes lines again), so a stalled
    /// output never holds a request.
    /// </summary>
    public int BufferBytes { get; set; } = 4 << 20;
}

/// <summary>
/// The request log's writer (issue 19 §6): complete UTF-8 lines appended to a bounded buffer under a lock, with no
/// wake-up per line (the console logger's signal and write per line cost 16–42 us of CPU a request,
/// docs/benchmarks.md): the first line of a block arms a timer, whose callback, the only writer, takes the whole block
/// and writes it. Flushed at <see cref="DisposeAsync"/>, after the requests have drained, so a graceful stop loses
/// nothing.
/// </summary>
internal sealed class RequestLogSink : IAsyncDisposable
{
    /// <summary>
    /// Each write is whole lines of at most PIPE_BUF (4096) bytes where it can be: a pipe never interleaves such a write
    /// with another writer's, so a console logger line written meanwhile to the same standard output is never cut into
    /// one of ours.
    /// </summary>
    internal const int MaxWrite = 4096;

    private readonly Stream output;
    private readonly RequestLogFormat format;
    private readonly TimeSpan interval;
    private readonly int capacity;
    private readonly ITimer timer;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly Lock writing = new();
    private byte[] pending;
    private int pendingLength;
    private byte[] spare;
    private bool armed;
    private bool closed;
    private long dropped;

    private readonly TimeSpan stopTimeout;

    /// <param name="stopTimeout">How long the last flush may take (the stop's own budget, <see cref="ServerOptions.ShutdownTimeout"/>).</param>
    public RequestLogSink(RequestLogOutput options, RequestLogFormat format, TimeProvider time, TimeSpan stopTimeout)
    {
        this.stopTimeout = stopTimeout;
        output = options.Stream ?? Console.OpenStandardOutput();
        this.format = format;
        this.time = time;
        interval = options.FlushInterval;
        capacity = Math.Max(options.BufferBytes, 1);
        pending = new byte[Math.Min(capacity, 64 << 10)];
        spare = new byte[pending.Length];
        timer = time.CreateTimer(_ => Flush(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>One request's line (never blocks on the output; dropped and counted when the buffer is full).</summary>
    public void Write(in RequestLogLine line)
    {
        var bytes = format.Format(line);
        lock (gate)
        {
            if (closed || pendingLength + bytes.Length > capacity)
            {
                dropped++;
                ServerMetrics.RequestLogDropped();
                return;
            }

            if (pendingLength + bytes.Length > pending.Length)
            {
                Array.Resize(ref pending, (int)Math.Min(capacity, Math.Max(2L * pending.Length, pendingLength + bytes.Length)));
            }

            bytes.CopyTo(pending.AsSpan(pendingLength));
            pendingLength += bytes.Length;
            if (!armed)
            {
                armed = true;
                timer.Change(interval, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>Writes what is buffered. The timer's callback, and the last flush; one at a time.</summary>
    private void Flush()
    {
        lock (writing)
        {
            byte[] block;
            int length;
            long lost;
            lock (gate)
            {
                (block, pending) = (pending, spare);
                length = pendingLength;
                pendingLength = 0;
                lost = dropped;
                dropped = 0;
            }

            try
            {
                if (lost > 0)
                {
                    output.Write(format.Dropped(lost));
                }

                WriteLines(block.AsSpan(0, length));
                output.Flush();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException)
            {
                // The output is gone (a closed pipe): these lines are lost, and counted so.
                var lines = block.AsSpan(0, length).Count((byte)'\n');
                ServerMetrics.RequestLogDropped(lines);
            }

            lock (gate)
            {
                spare = block;
                armed = false;
                if ((pendingLength > 0 || dropped > 0) && !closed)
                {
                    armed = true;
                    timer.Change(interval, Timeout.InfiniteTimeSpan);
                }
            }
        }
    }

    private void WriteLines(ReadOnlySpan<byte> lines)
    {
        while (!lines.IsEmpty)
        {
            var cut = lines.Length <= MaxWrite ? lines.Length : lines[..MaxWrite].LastIndexOf((byte)'\n') + 1;
            if (cut == 0)
            {
                // One line longer than PIPE_BUF: written alone, whole.
                var end = lines.IndexOf((byte)'\n');
                cut = end < 0 ? lines.Length : end + 1;
            }

            output.Write(lines[..cut]);
            lines = lines[cut..];
        }
    }

    /// <summary>Stops taking lines and writes the rest (bounded: a stalled output cannot hold the stop).</summary>
    public async ValueTask DisposeAsync()
    {
        lock (gate)
        {
            if (closed)
            {
                return;
            }

            closed = true;
        }

        // Not DisposeAsync, which waits for a callback that may be stuck writing to a stalled output.
        timer.Dispose();
        try
        {
            await Task.Run(Flush).WaitAsync(stopTimeout, time);
        }
        catch (TimeoutException)
        {
            // The output takes nothing: the stop goes on, the block is lost.
        }
    }
}
