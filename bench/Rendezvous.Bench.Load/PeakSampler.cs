namespace Rendezvous.Bench.Load;

/// <summary>Samples the server's resident memory every 20 ms until stopped; the peak is what it reached.</summary>
internal sealed class PeakSampler : IDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public PeakSampler(ChildProcess server)
    {
        Peak = server.Memory().RssMb;
        loop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Peak = Math.Max(Peak, server.Memory().RssMb);
                try
                {
                    await Task.Delay(20, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    public double Peak { get; private set; }

    /// <summary>The resident memory once it stops moving (at most 10 s): what the server keeps, not what it is still freeing.</summary>
    public static async Task<double> SettledRssAsync(ChildProcess server, CancellationToken cancellationToken)
    {
        var last = server.Memory().RssMb;
        for (var i = 0; i < 10; i++)
        {
            await Task.Delay(1000, cancellationToken);
            var now = server.Memory().RssMb;
            if (Math.Abs(now - last) < 2)
            {
                return now;
            }

            last = now;
        }

        return last;
    }

    public async Task<double> StopAsync()
    {
        await stop.CancelAsync();
        await loop;
        return Peak;
    }

    public void Dispose() => stop.Dispose();
}
