using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Rendezvous.Tests.Infrastructure;

/// <summary>Runs real processes (rdv, python) the way a user would, with a time limit.</summary>
public static class Processes
{
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Rendezvous.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("Rendezvous.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    public static string RdvDll => Path.Combine(AppContext.BaseDirectory, "rdv.dll");

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static ProcessStartInfo Rdv(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(RdvDll);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }

    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(ProcessStartInfo info, string? stdin = null, int timeoutSeconds = 120)
    {
        using var process = Process.Start(info)!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{info.FileName} {string.Join(' ', info.ArgumentList)} did not finish in {timeoutSeconds}s:\n{await stdout}\n{await stderr}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts `rdv serve` on <paramref name="port"/> over <paramref name="data"/> and waits until it answers.</summary>
    public static Task<Process> StartServerAsync(string data, int port) => StartServerAsync(port, "--data", data);

    /// <summary>Starts `rdv serve` on <paramref name="port"/> with <paramref name="storeArgs"/> naming its store, and waits until it answers.</summary>
    public static async Task<Process> StartServerAsync(int port, params string[] storeArgs)
    {
        var process = Process.Start(Rdv(["serve", "--urls", $"http://127.0.0.1:{port}", .. storeArgs]))!;
        using var http = new HttpClient();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                using var probe = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/"));
                if (probe.IsSuccessStatusCode)
                {
                    return process;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(100);
        }

        process.Kill();
        throw new TimeoutException("rdv serve did not start");
    }
}
