using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Xml;
using Rendezvous.Protocol;
using Rendezvous.Server.Edge;
using Rendezvous.Services;

namespace Rendezvous.Server;

/// <summary>
/// Push notifications over HTTP: a SendNotification envelope POSTed to the subscription's URL, answered with a
/// SendNotificationResult. The SSRF guard (<see cref="PushTargetPolicy"/>) is applied to the addresses a name resolves
/// to when the connection is made, so a name that resolves (or is rebound) to a refused address is never called; no
/// proxy and no redirects, which could lead anywhere.
/// </summary>
public sealed class HttpPushSender : IPushSender, IDisposable
{
    private const int MaxAnswerBytes = 64 * 1024;
    private readonly HttpClient http;

    public HttpPushSender(NotificationOptions options)
    {
        var policy = options.PushTargets;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var addresses = await Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, cancellationToken);
                var allowed = addresses.Where(policy.Allows).ToArray();
                if (allowed.Length == 0)
                {
                    throw new HttpRequestException("The push URL's host is not an address this server may call.");
                }

                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public async Task<PushAnswer> SendAsync(Uri url, Notification notification, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream();
        SoapWriter.WriteResponse(body, NotificationEdge.SendNotification(notification));
        body.Position = 0;
        using var content = new StreamContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/xml") { CharSet = "utf-8" };
        try
        {
            using var response = await http.PostAsync(url, content, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return PushAnswer.Failed;
            }

            await using var answer = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new MemoryStream();
            var chunk = new byte[8192];
            int read;
            while ((read = await answer.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > MaxAnswerBytes)
                {
                    return PushAnswer.Failed;
                }

                buffer.Write(chunk, 0, read);
            }

            buffer.Position = 0;
            return Status(buffer);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or XmlException or SocketException)
        {
            return PushAnswer.Failed;
        }
    }

    /// <summary>The SubscriptionStatus of a SendNotificationResult (read without DTDs, as any XML from outside).</summary>
    private static PushAnswer Status(Stream answer)
    {
        using var reader = XmlReader.Create(answer, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = MaxAnswerBytes });
        while (reader.Read())
        {
            if (reader.NodeType == XmlNodeType.Element && reader.LocalName == "SubscriptionStatus" && reader.NamespaceURI == Ews.MessagesNs)
            {
                return reader.ReadElementContentAsString().Trim() switch
                {
                    "OK" => PushAnswer.Ok,
                    "Unsubscribe" => PushAnswer.Unsubscribe,
                    _ => PushAnswer.Failed,
                };
            }
        }

        return PushAnswer.Failed;
    }

    public void Dispose() => http.Dispose();
}
