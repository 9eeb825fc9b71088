using System.Text;
using System.Xml;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Rendezvous.Protocol;

// The ceiling: what Kestrel on this machine can do for a SOAP request when the work is only to read it and answer.
// It is hosted the way RendezvousServer hosts the EWS endpoint (slim builder, same Kestrel options, same logging,
// body read into memory then parsed), so the ratio of a workload to it isolates the server's own cost.
// Usage: Rendezvous.Bench.Ceiling [--urls http://127.0.0.1:0]
var urls = args.Length == 2 && args[0] == "--urls" ? args[1] : "http://127.0.0.1:0";
var response = CeilingResponse.Build(1024);
// The server's own limits and reader settings (no DTD, bounded size), taken from Protocol rather than copied.
var limits = new XmlLimits();
var readerSettings = SoapRequest.ReaderSettings(limits);

var builder = WebApplication.CreateSlimBuilder();
builder.WebHost.UseUrls(urls);
builder.WebHost.ConfigureKestrel(k =>
{
    k.AddServerHeader = false;
    k.Limits.MaxRequestBodySize = limits.MaxRequestBytes;
});
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
var app = builder.Build();
app.Use(async (http, next) =>
{
    if (!http.Request.Path.Equals("/EWS/Exchange.asmx", StringComparison.OrdinalIgnoreCase))
    {
        await next(http);
        return;
    }

    var cancellation = http.RequestAborted;
    using var body = new MemoryStream();
    var chunk = new byte[16 * 1024];
    int read;
    while ((read = await http.Request.Body.ReadAsync(chunk, cancellation)) > 0)
    {
        body.Write(chunk, 0, read);
    }

    body.Position = 0;
    var operation = SoapScan.OperationName(body, readerSettings);
    http.Response.StatusCode = operation is null ? StatusCodes.Status500InternalServerError : StatusCodes.Status200OK;
    http.Response.ContentType = "text/xml; charset=utf-8";
    http.Response.ContentLength = response.Length;
    await http.Response.Body.WriteAsync(response, cancellation);
});
app.MapGet("/", () => Results.Text("ceiling\n"));
await app.StartAsync();
var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
// The load generator waits for this line.
Console.WriteLine("EWS endpoint: " + address + "/EWS/Exchange.asmx");
await app.WaitForShutdownAsync();

/// <summary>Reads the whole request with XmlReader, as the server's parser does, and returns the operation's name.</summary>
internal static class SoapScan
{
    private const string SoapNs = "http://schemas.xmlsoap.org/soap/envelope/";

    public static string? OperationName(Stream body, XmlReaderSettings settings)
    {
        string? operation = null;
        var inBody = false;
        try
        {
            using var reader = XmlReader.Create(body, settings);
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    continue;
                }

                if (inBody && operation is null)
                {
                    operation = reader.LocalName;
                }
                else if (reader.LocalName == "Body" && reader.NamespaceURI == SoapNs)
                {
                    inBody = true;
                }

                // Attributes are read as the server reads them (ids, shapes), so the ceiling does comparable work.
                while (reader.MoveToNextAttribute())
                {
                    _ = reader.Value;
                }
            }
        }
        catch (XmlException)
        {
            return null;
        }

        return operation;
    }
}

/// <summary>A fixed GetItem-shaped SOAP response of exactly the requested size.</summary>
internal static class CeilingResponse
{
    public static byte[] Build(int size)
    {
        const string head =
            """<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><s:Header><h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" Version="Exchange2016" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types"/></s:Header><s:Body><m:GetItemResponse><m:ResponseMessages><m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:CalendarItem><t:ItemId Id="SQEAAAAAAAAAAAAAAAAAAAAA" ChangeKey="QwEAAAAAAAAAAQ=="/><t:Subject>""";
        const string tail = "</t:Subject></t:CalendarItem></m:Items></m:GetItemResponseMessage></m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>";
        var padding = size - Encoding.UTF8.GetByteCount(head) - Encoding.UTF8.GetByteCount(tail);
        return Encoding.UTF8.GetBytes(head + new string('x', Math.Max(0, padding)) + tail);
    }
}
