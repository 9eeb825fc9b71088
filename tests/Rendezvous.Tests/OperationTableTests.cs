using System.Net;
using System.Text;
using System.Xml.Linq;
using Rendezvous.Server;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>
/// Every operation of services.wsdl is either answered or refused by its name (issue 17 §7), and the README's table of
/// operations is what <see cref="Operations.Table"/> answers today: a stale table fails here, and
/// <c>RDV_UPDATE_README=1 dotnet test --filter OperationTableTests</c> rewrites it.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class OperationTableTests(ServerFixture server)
{
    private const string Begin = "<!-- operations: generated from src/Rendezvous.Server/Operations.cs by OperationTableTests; RDV_UPDATE_README=1 dotnet test --filter OperationTableTests rewrites it -->";
    private const string End = "<!-- operations: end -->";

    private static readonly XNamespace Wsdl = "http://schemas.xmlsoap.org/wsdl/";

    /// <summary>The wsdl's operations (its portType, in order) with the request element each takes.</summary>
    private static List<(string Operation, string Element)> WsdlList()
    {
        var wsdl = XDocument.Load(TestData.Path("ews-schema", "services.wsdl"));
        var messages = wsdl.Root!.Elements(Wsdl + "message").ToDictionary(
            m => (string)m.Attribute("name")!,
            m => ((string)m.Elements(Wsdl + "part").First().Attribute("element")!).Split(':')[1]);
        var portType = wsdl.Root.Element(Wsdl + "portType")!;
        return [.. portType.Elements(Wsdl + "operation").Select(o => (
            (string)o.Attribute("name")!,
            messages[((string)o.Element(Wsdl + "input")!.Attribute("message")!).Split(':')[1]]))];
    }

    [Fact]
    public void The_server_knows_the_wsdls_operations_and_answers_only_operations_of_it()
    {
        var wsdl = WsdlList();
        Assert.Equal(123, wsdl.Count);
        Assert.Equal(wsdl.Select(o => $"{o.Element}={o.Operation}").Order(StringComparer.Ordinal), WsdlOperations.ByElement.Select(p => $"{p.Key}={p.Value}").Order(StringComparer.Ordinal));
        Assert.All(EwsOperations.Default.Keys, name => Assert.True(WsdlOperations.ByElement.ContainsKey(name), $"{name} is no request element of services.wsdl"));
    }

    [Fact]
    public async Task Every_wsdl_operation_not_implemented_answers_a_fault_naming_it_with_ServerVersionInfo()
    {
        foreach (var (operation, element) in WsdlList())
        {
            // An empty request: an unimplemented operation is refused by its name before its arguments are looked at;
            // an implemented one may refuse the arguments (a schema fault or an error message), but never crashes.
            var response = await server.CallAsync(ServerFixture.Alice, $"<m:{element}/>");
            var faultString = response.Document.Descendants("faultstring").FirstOrDefault()?.Value ?? "";
            Assert.NotNull(response.ServerVersionInfo);
            if (EwsOperations.Default.ContainsKey(element))
            {
                Assert.DoesNotContain("not implemented", faultString, StringComparison.Ordinal);
                Assert.NotEqual("a:ErrorInternalServerError", response.FaultCode);
                continue;
            }

            Assert.Equal(HttpStatusCode.InternalServerError, response.Status);
            Assert.Equal("a:ErrorInvalidOperation", response.FaultCode);
            Assert.Equal($"The operation {operation} is not implemented by this server.", faultString);
        }
    }

    [Fact]
    public async Task An_unimplemented_operation_is_named_even_when_its_arguments_are_schema_invalid()
    {
        var response = await server.CallAsync(ServerFixture.Alice, "<m:PlayOnPhone><m:NoSuchChild/></m:PlayOnPhone>");
        Assert.Equal("a:ErrorInvalidOperation", response.FaultCode);
        Assert.Contains("The operation PlayOnPhone is not implemented", response.Document.ToString(), StringComparison.Ordinal);

        // An element EWS does not have is unknown, not unimplemented.
        var unknown = await server.CallAsync(ServerFixture.Alice, "<m:MakeCoffee/>");
        Assert.Equal("a:ErrorInvalidOperation", unknown.FaultCode);
        Assert.Contains("'MakeCoffee' is not supported", unknown.Document.ToString(), StringComparison.Ordinal);
    }

    /// <summary>The README's generated block: one line per wsdl operation, answered or not.</summary>
    private static string Table()
    {
        var operations = WsdlList().OrderBy(o => o.Operation, StringComparer.Ordinal).ToList();
        var answered = operations.Count(o => EwsOperations.Default.ContainsKey(o.Element));
        var text = new StringBuilder();
        text.Append(Begin).Append('\n');
        text.Append('\n');
        text.Append(System.Globalization.CultureInfo.InvariantCulture, $"{answered} of the {operations.Count} operations of Exchange's `services.wsdl` are answered; each other one is a SOAP fault\n");
        text.Append("`ErrorInvalidOperation` saying \"The operation X is not implemented by this server.\", with `ServerVersionInfo`.\n");
        text.Append('\n');
        text.Append("| operation | answered |\n");
        text.Append("|---|---|\n");
        foreach (var (operation, element) in operations)
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"| {operation} | {(EwsOperations.Default.ContainsKey(element) ? "yes" : "no")} |\n");
        }

        text.Append('\n');
        text.Append(End);
        return text.ToString();
    }

    [Fact]
    public async Task The_READMEs_operation_table_is_what_the_server_answers()
    {
        var path = Path.Combine(Processes.RepositoryRoot, "README.md");
        var readme = (await File.ReadAllTextAsync(path)).ReplaceLineEndings("\n");
        var start = readme.IndexOf(Begin, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "README.md has no generated operation table (its begin and end comments)");
        var current = readme[start..(end + End.Length)];
        var table = Table();
        if (current != table && Environment.GetEnvironmentVariable("RDV_UPDATE_README") == "1")
        {
            await File.WriteAllTextAsync(path, readme[..start] + table + readme[(end + End.Length)..]);
            return;
        }

        Assert.True(current == table, "README.md's operation table is stale: run RDV_UPDATE_README=1 dotnet test --filter OperationTableTests");
    }
}
