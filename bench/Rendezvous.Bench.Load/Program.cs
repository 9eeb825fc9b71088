using System.Globalization;
using Rendezvous.Bench.Load;

if (args is ["summarize-trace", var speedscope])
{
    // Where the server's time went in a trace already taken (dotnet-trace convert --format Speedscope).
    Console.Write(TraceSummary.Summarize(speedscope));
    return 0;
}

Options options;
try
{
    options = Options.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine((e.Message.Length > 0 ? e.Message + "\n" : "") + Options.Usage);
    return 2;
}

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var bench = new Bench(options, Console.Error, Console.Out);
try
{
    if (File.Exists(options.Server))
    {
        OptimizedBuild.Require(options.Server);
    }

    return options.Notify ? await new NotifyBench(options, Console.Error, Console.Out).RunAsync(cancel.Token)
        : options.Attachment ? await new AttachmentBench(options, Console.Error, Console.Out).RunAsync(cancel.Token)
        : options.Big ? await new BigRequests(options, Console.Error, Console.Out).RunAsync(cancel.Token)
        : options.Sizes ? await bench.RunSizesAsync(cancel.Token) : await bench.RunMainAsync(cancel.Token);
}
catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TimeoutException)
{
    Console.Error.WriteLine("bench failed: " + e.Message);
    return 1;
}
