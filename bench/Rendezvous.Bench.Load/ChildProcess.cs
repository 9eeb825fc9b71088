using System.Diagnostics;
using System.Globalization;

namespace Rendezvous.Bench.Load;

/// <summary>
/// The server or the ceiling, each in its own process as in production: started with `dotnet X.dll`, ready when it
/// prints its endpoint, stopped with SIGTERM (killed if it does not stop). Its output is kept for the report.
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private const string EndpointLine = "EWS endpoint: ";
    private readonly Process process;
    private readonly TaskCompletionSource<Uri> endpoint = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> output = [];

    private ChildProcess(Process process) => this.process = process;

    public int Id => process.Id;

    public Uri Endpoint => endpoint.Task.Result;

    public static async Task<ChildProcess> StartAsync(string dll, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start " + dll);
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => child.endpoint.TrySetException(new InvalidOperationException(
            $"{Path.GetFileName(dll)} exited with code {process.ExitCode} before it was ready:\n{child.Output}"));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await child.endpoint.Task.WaitAsync(timeout.Token);
        return child;
    }

    public string Output
    {
        get
        {
            lock (output)
            {
                return string.Join('\n', output.TakeLast(40));
            }
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.Add(line);
        }

        var at = line.IndexOf(EndpointLine, StringComparison.Ordinal);
        if (at >= 0)
        {
            endpoint.TrySetResult(new Uri(line[(at + EndpointLine.Length)..].Trim()));
        }
    }

    /// <summary>Resident and peak resident memory in MB, from /proc (Linux).</summary>
    public (double RssMb, double PeakMb) Memory()
    {
        double rss = 0, peak = 0;
        foreach (var line in File.ReadLines(string.Create(CultureInfo.InvariantCulture, $"/proc/{process.Id}/status")))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line) / 1024.0;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line) / 1024.0;
            }
        }

        return (rss, peak);
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            // SIGTERM: the host stops gracefully (the store checkpoints); kill only if it hangs.
            using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false }))
            {
                await kill!.WaitForExitAsync();
            }

            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        process.Dispose();
    }
}
