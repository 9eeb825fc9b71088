using System.Diagnostics;
using System.Net;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Every rdv option from the command line, the environment (RDV_SOME_OPTION) or the file of --config (key
/// some-option), in that order of precedence (issue 19 §6), as a user runs rdv: real processes, each with its own
/// environment.
/// </summary>
public sealed class ConfigurationTests : IDisposable
{
    private readonly TempFolder root = new("rdv-config-");

    public void Dispose() => root.Dispose();

    [Fact]
    public async Task An_option_comes_from_the_command_line_then_the_environment_then_the_config_file()
    {
        // Three data folders, each with a user of its own: which one `rdv user list` reads says where --data came from.
        var fromFile = await FolderWithUserAsync("file", "file@example.com");
        var fromEnvironment = await FolderWithUserAsync("env", "env@example.com");
        var fromCommandLine = await FolderWithUserAsync("cli", "cli@example.com");
        var config = Write("rdv.conf", $"# the data folder\n\ndata = \"{fromFile}\"\n");

        Assert.Contains("file@example.com", (await RunAsync([], ("RDV_CONFIG", config))).Stdout, StringComparison.Ordinal);
        Assert.Contains("file@example.com", (await RunAsync(["--config", config])).Stdout, StringComparison.Ordinal);
        Assert.Contains("env@example.com", (await RunAsync(["--config", config], ("RDV_DATA", fromEnvironment))).Stdout, StringComparison.Ordinal);
        Assert.Contains("cli@example.com", (await RunAsync(["--config", config, "--data", fromCommandLine], ("RDV_DATA", fromEnvironment))).Stdout, StringComparison.Ordinal);
        // An empty variable is unset.
        Assert.Contains("file@example.com", (await RunAsync(["--config", config], ("RDV_DATA", ""))).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_example_file_in_docs_is_a_valid_configuration_and_comments_after_values_are_skipped()
    {
        var data = await FolderWithUserAsync("example", "example@example.com");
        var example = await RunAsync(["--config", Path.Combine(Processes.RepositoryRoot, "docs", "rendezvous.conf"), "--data", data]);
        Assert.True(example.ExitCode == 0, example.Stderr);
        Assert.Contains("example@example.com", example.Stdout, StringComparison.Ordinal);
        var commented = Write("commented.conf", $"data = {data}   # the folder\n");
        Assert.Contains("example@example.com", (await RunAsync(["--config", commented])).Stdout, StringComparison.Ordinal);
        var quoted = Write("quoted.conf", $"data = \"{data}\" # quoted\n");
        Assert.Contains("example@example.com", (await RunAsync(["--config", quoted])).Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_key_in_the_config_file_is_an_error_naming_it_and_its_line()
    {
        var config = Write("typo.conf", "data = somewhere\nmax-fnd = 10\n");
        var result = await RunAsync(["--config", config]);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{config}:2: unknown key 'max-fnd'", result.Stderr, StringComparison.Ordinal);

        var twice = await RunAsync(["--config", Write("twice.conf", "data = a\ndata = b\n")]);
        Assert.Equal(1, twice.ExitCode);
        Assert.Contains("'data' is set twice", twice.Stderr, StringComparison.Ordinal);

        var missing = await RunAsync(["--config", Path.Combine(root.Path, "absent.conf")]);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("cannot read the configuration file", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_flag_from_the_environment_or_the_file_is_true_or_false_and_anything_else_is_a_usage_error()
    {
        var data = await FolderWithUserAsync("flags", "flag@example.com");
        Assert.Equal(0, (await RunAsync(["--data", data], ("RDV_ALLOW_INSECURE_BASIC", "false"))).ExitCode);
        var wrong = await RunAsync(["--data", data], ("RDV_ALLOW_INSECURE_BASIC", "maybe"));
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("RDV_ALLOW_INSECURE_BASIC is a switch", wrong.Stderr, StringComparison.Ordinal);
        var inFile = await RunAsync(["--data", data, "--config", Write("flag.conf", "allow-insecure-basic = sometimes\n")]);
        Assert.Equal(2, inFile.ExitCode);
        Assert.Contains("allow-insecure-basic is a switch", inFile.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rdv_serve_takes_its_options_from_the_config_file_and_the_environment()
    {
        var data = await FolderWithUserAsync("serve", "serve@example.com");
        var filePort = Processes.FreePort();
        var environmentPort = Processes.FreePort();
        // The file sets the data folder and a port, and a flag; the environment moves the port.
        var config = Write("serve.conf", $"urls = http://127.0.0.1:{filePort}\ndata = {data}\nlog-json = true\nmetrics-allow = 10.0.0.0/8\n");
        var info = Processes.Rdv("serve", "--config", config);
        info.Environment["RDV_URLS"] = $"http://127.0.0.1:{environmentPort}";
        using var process = Process.Start(info)!;
        try
        {
            var stdout = process.StandardOutput;
            var first = await stdout.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal($"Rendezvous listening on http://127.0.0.1:{environmentPort}", first);
            using var http = new HttpClient();
            using var live = await http.GetAsync(new Uri($"http://127.0.0.1:{environmentPort}/health/live"));
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            // metrics-allow from the file: loopback is not in 10.0.0.0/8.
            using var metrics = await http.GetAsync(new Uri($"http://127.0.0.1:{environmentPort}/metrics"));
            Assert.Equal(HttpStatusCode.Forbidden, metrics.StatusCode);
            using var root = await http.GetAsync(new Uri($"http://127.0.0.1:{environmentPort}/"));
            Assert.Equal(HttpStatusCode.OK, root.StatusCode);
            // A stop (SIGTERM) flushes the log.
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            // log-json from the file: the request log's line for GET / is a JSON object.
            var rest = await stdout.ReadToEndAsync();
            Assert.Contains("\"Category\":\"Rendezvous.Requests\"", rest, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [Fact]
    public async Task Rdv_serve_with_no_request_log_from_the_environment_writes_no_request_lines()
    {
        var data = await FolderWithUserAsync("quiet", "quiet@example.com");
        var port = Processes.FreePort();
        var info = Processes.Rdv("serve", "--urls", $"http://127.0.0.1:{port}", "--data", data);
        info.Environment["RDV_NO_REQUEST_LOG"] = "true";
        using var process = Process.Start(info)!;
        try
        {
            Assert.StartsWith("Rendezvous listening on", await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60)), StringComparison.Ordinal);
            using var http = new HttpClient();
            using var page = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/"));
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.DoesNotContain("Rendezvous.Requests", await process.StandardOutput.ReadToEndAsync(), StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    private string Write(string name, string text)
    {
        Directory.CreateDirectory(root.Path);
        var path = Path.Combine(root.Path, name);
        File.WriteAllText(path, text);
        return path;
    }

    private async Task<string> FolderWithUserAsync(string name, string user)
    {
        var data = Path.Combine(root.Path, name);
        var add = await Processes.RunAsync(Processes.Rdv("user", "add", user, "--password-stdin", "--data", data), "pw\n");
        Assert.True(add.ExitCode == 0, add.Stderr);
        return data;
    }

    /// <summary>`rdv user list` with <paramref name="args"/> and only the given RDV_ variables set.</summary>
    private static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string[] args, params (string Name, string Value)[] environment)
    {
        var info = Processes.Rdv(["user", "list", .. args]);
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("RDV_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        return Processes.RunAsync(info);
    }
}
