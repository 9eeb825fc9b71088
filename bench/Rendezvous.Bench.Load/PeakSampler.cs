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

    public async Task<double> StopAsync()
    {
        await stop.CancelAsync();
        await loop;
        return Peak;
    }

    public void Dispose() => stop.Dispose();
}
