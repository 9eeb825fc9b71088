using Rendezvous.Cli;

using var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl-C cancels the running request cleanly; a second one ends the process at once.
    e.Cancel = !interrupted.IsCancellationRequested;
    interrupted.Cancel();
};

return await Commands.RunAsync(args, Console.In, Console.Out, Console.Error, interrupted.Token);
