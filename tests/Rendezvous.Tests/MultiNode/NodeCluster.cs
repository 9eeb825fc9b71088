using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests.MultiNode;

/// <summary>
/// Several real <c>rdv serve</c> processes (the built CLI, each on its own loopback port) over one PostgreSQL database
/// of the test cluster (<see cref="PostgresCluster"/>), as an operator runs them behind a load balancer (issue 19 §5).
/// Users are made with <c>rdv user add</c> against the same database; each node has its own HTTP client; a node can be
/// killed with SIGKILL (<see cref="Node.Kill"/>) and another started (<see cref="StartNodeAsync"/>).
/// </summary>
/// <remarks>
/// Self-contained on purpose (one file, over the shared Infrastructure only), so that other branches can take it as it is.
/// Each node's stdout and stderr are drained as they come (a full pipe would block the server's logging and so its
/// requests) and the last lines kept for a failing test's message (<see cref="Node.Output"/>).
/// </remarks>
public sealed class NodeCluster : IAsyncDisposable
{
    public const string Password = "correct horse battery staple";

    private readonly List<Node> nodes = [];
    private readonly string[] serveArgs;
    private readonly string dataRoot = Path.Combine(Path.GetTempPath(), "rdv-nodes-" + Guid.NewGuid().ToString("N"));

    private NodeCluster(string connectionString, string[] serveArgs)
    {
        ConnectionString = connectionString;
        this.serveArgs = serveArgs;
        Directory.CreateDirectory(dataRoot);
    }

    /// <summary>The database every node and every admin command uses (a fresh one of the test cluster).</summary>
    public string ConnectionString { get; }

    public IReadOnlyList<Node> Nodes => nodes;

    public Node this[int index] => nodes[index];

    /// <summary>
    /// A new database, migrated by <c>rdv migrate</c>, the <paramref name="users"/> added with <c>rdv user add</c>
    /// (password <see cref="Password"/>), then <paramref name="count"/> nodes started (in parallel), each ready
    /// (<c>/health/ready</c> answers 200). <paramref name="serveArgs"/> are given to every <c>rdv serve</c>.
    /// </summary>
    public static async Task<NodeCluster> StartAsync(int count, IEnumerable<string> users, params string[] serveArgs)
    {
        var cluster = new NodeCluster(await PostgresCluster.CreateDatabaseAsync(), serveArgs);
        try
        {
            await cluster.RdvOkAsync(["migrate"]);
            await cluster.AddUsersAsync(users);
            await Task.WhenAll(Enumerable.Range(0, count).Select(_ => cluster.StartNodeAsync()));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Adds users with <c>rdv user add ADDRESS --password-stdin</c>, two at a time (each pays a PBKDF2 hash).</summary>
    public async Task AddUsersAsync(IEnumerable<string> addresses, string password = Password)
    {
        using var two = new SemaphoreSlim(2);
        await Task.WhenAll(addresses.Select(async address =>
        {
            await two.WaitAsync();
            try
            {
                await RdvOkAsync(["user", "add", address, "--name", DisplayName(address), "--password-stdin"], password + "\n");
            }
            finally
            {
                two.Release();
            }
        }));
    }

    /// <summary>Runs an rdv command against the cluster's database (<c>--store postgres --connection ...</c> added).</summary>
    public Task<(int ExitCode, string Stdout, string Stderr)> RdvAsync(IEnumerable<string> args, string? stdin = null) =>
        Processes.RunAsync(Processes.Rdv([.. args, "--store", "postgres", "--connection", ConnectionString]), stdin);

    /// <summary><see cref="RdvAsync"/>, failing the test unless it exits 0.</summary>
    public async Task<string> RdvOkAsync(IEnumerable<string> args, string? stdin = null)
    {
        var list = args.ToList();
        var (exit, stdout, stderr) = await RdvAsync(list, stdin);
        if (exit != 0)
        {
            throw new InvalidOperationException($"rdv {string.Join(' ', list)} exited {exit}: {stdout} {stderr}");
        }

        return stdout;
    }

    /// <summary>Starts one more node over the same database and waits until it is ready.</summary>
    public async Task<Node> StartNodeAsync(params string[] extraArgs)
    {
        Node node;
        lock (nodes)
        {
            node = new Node(nodes.Count, Processes.FreePort(), Path.Combine(dataRoot, "node" + nodes.Count));
            nodes.Add(node);
        }

        Directory.CreateDirectory(node.DataDirectory);
        await node.StartAsync([.. serveArgs, .. extraArgs, "--data", node.DataDirectory, "--store", "postgres", "--connection", ConnectionString]);
        return node;
    }

    /// <summary>The node for the <paramref name="i"/>-th request of a round robin over the live nodes.</summary>
    public Node RoundRobin(int i)
    {
        var live = nodes.Where(n => n.IsRunning).ToList();
        return live[i % live.Count];
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in nodes)
        {
            node.Dispose();
        }

        await PostgresCluster.DropDatabaseAsync(ConnectionString);
        try
        {
            Directory.Delete(dataRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string DisplayName(string address)
    {
        var local = address.Split('@')[0];
        return local.Length == 0 ? address : char.ToUpperInvariant(local[0]) + local[1..];
    }

    /// <summary>One <c>rdv serve</c> process of the cluster.</summary>
    public sealed class Node : IDisposable
    {
        private const int KeptLines = 200;
        private readonly Queue<string> output = new();
        private Process? process;

        internal Node(int index, int port, string dataDirectory)
        {
            Index = index;
            Port = port;
            DataDirectory = dataDirectory;
            // Connections are not pooled across nodes: each node is its own client, as behind a load balancer.
            Http = new HttpClient { Timeout = TimeSpan.FromSeconds(100) };
        }

        public int Index { get; }

        public int Port { get; }

        /// <summary>A folder of its own (a node keeps nothing there on PostgreSQL; given so nothing lands in the test's folder).</summary>
        public string DataDirectory { get; }

        public string BaseUrl => $"http://127.0.0.1:{Port}";

        public string EwsUrl => BaseUrl + "/EWS/Exchange.asmx";

        public HttpClient Http { get; }

        public int ProcessId => process?.Id ?? 0;

        public bool IsRunning => process is { HasExited: false };

        /// <summary>The node's last lines of stdout and stderr.</summary>
        public string Output
        {
            get
            {
                lock (output)
                {
                    return string.Join('\n', output);
                }
            }
        }

        /// <summary>Posts a SOAP envelope as <paramref name="user"/> to this node; the response is checked against the schema.</summary>
        public Task<EwsResponse> PostAsync(string user, string envelope, string? password = null) =>
            EwsHttp.PostAsync(Http, EwsUrl, user, envelope, password ?? Password);

        /// <summary>An EWS operation's body in an envelope, as <paramref name="user"/>, to this node.</summary>
        public Task<EwsResponse> CallAsync(string user, string body, string version = "Exchange2013_SP1") =>
            PostAsync(user, Soap.Envelope(body, version));

        /// <summary>
        /// Any request to this node, whatever it answers (a sign-in refusal, a 503), for tests of what is refused:
        /// the status, the Retry-After in seconds if any, and the body.
        /// </summary>
        public async Task<(HttpStatusCode Status, int? RetryAfter, string Body)> SendAsync(string user, string password, string envelope)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, EwsUrl) { Content = new StringContent(envelope, Encoding.UTF8, "text/xml") };
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
            using var response = await Http.SendAsync(request);
            var retryAfter = response.Headers.RetryAfter?.Delta is { } delta ? (int?)delta.TotalSeconds : null;
            return (response.StatusCode, retryAfter, await response.Content.ReadAsStringAsync());
        }

        /// <summary>SIGKILL: the process ends at once, with no shutdown (its connections to PostgreSQL drop with it).</summary>
        public void Kill()
        {
            if (process is { HasExited: false })
            {
                // Process.Kill is SIGKILL on Unix; `dotnet rdv.dll` runs the server in this very process.
                process.Kill();
                process.WaitForExit(10_000);
            }
        }

        /// <summary>SIGTERM, the graceful stop (drains requests), and waits for the exit.</summary>
        public async Task StopAsync()
        {
            if (process is not { HasExited: false })
            {
                return;
            }

            using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } }))
            {
                await kill!.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
        }

        public void Dispose()
        {
            Kill();
            process?.Dispose();
            Http.Dispose();
        }

        internal async Task StartAsync(string[] args)
        {
            var info = Processes.Rdv(["serve", "--urls", BaseUrl, .. args]);
            process = new Process { StartInfo = info, EnableRaisingEvents = true };
            process.OutputDataReceived += (_, e) => Keep(e.Data);
            process.ErrorDataReceived += (_, e) => Keep(e.Data);
            process.Start();
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var until = DateTime.UtcNow.AddSeconds(90);
            while (DateTime.UtcNow < until)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"node {Index} exited {process.ExitCode} while starting:\n{Output}");
                }

                try
                {
                    using var ready = await probe.GetAsync(new Uri(BaseUrl + "/health/ready"));
                    if (ready.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                }

                await Task.Delay(100);
            }

            Kill();
            throw new TimeoutException($"node {Index} was not ready in 90 s:\n{Output}");
        }

        private void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.Enqueue(line);
                while (output.Count > KeptLines)
                {
                    output.Dequeue();
                }
            }
        }
    }
}
