using System.Diagnostics;
using Rendezvous.Tests.Infrastructure;

namespace Rendezvous.Tests;

/// <summary>Files generated from the EWS schema are what their generator makes of it today: a stale one fails here.</summary>
public sealed class GeneratedFilesTests
{
    [Fact]
    public async Task The_schema_element_table_is_what_the_generator_makes_of_the_schema()
    {
        var output = Path.Combine(Path.GetTempPath(), "rdv-schema-elements-" + Guid.NewGuid().ToString("N") + ".txt");
        try
        {
            var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(Path.Combine(Processes.RepositoryRoot, "tools", "gen-schema-elements.py"));
            info.ArgumentList.Add(TestData.Path("ews-schema"));
            info.ArgumentList.Add(output);
            var (exit, _, stderr) = await Processes.RunAsync(info);
            Assert.True(exit == 0, stderr);
            var committed = await File.ReadAllTextAsync(Path.Combine(Processes.RepositoryRoot, "src", "Rendezvous.Protocol", "SchemaElements.g.txt"));
            Assert.True(committed == await File.ReadAllTextAsync(output), "src/Rendezvous.Protocol/SchemaElements.g.txt is stale: run tools/gen-schema-elements.py from the repository root");
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public async Task The_item_property_definitions_and_schema_values_are_what_the_generator_makes_of_the_schema()
    {
        var output = Directory.CreateTempSubdirectory("rdv-item-properties-").FullName;
        try
        {
            var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(Path.Combine(Processes.RepositoryRoot, "tools", "gen-item-properties.py"));
            info.ArgumentList.Add(TestData.Path("ews-schema"));
            info.ArgumentList.Add(Path.Combine(Processes.RepositoryRoot, "tools", "item-properties.tsv"));
            info.ArgumentList.Add(output);
            var (exit, _, stderr) = await Processes.RunAsync(info);
            Assert.True(exit == 0, stderr);
            foreach (var committed in new[] { Path.Combine("src", "Rendezvous.Domain", "ItemProperties.g.cs"), Path.Combine("src", "Rendezvous.Protocol", "SchemaValues.g.cs") })
            {
                var generated = await File.ReadAllTextAsync(Path.Combine(output, Path.GetFileName(committed)));
                Assert.True(await File.ReadAllTextAsync(Path.Combine(Processes.RepositoryRoot, committed)) == generated, committed + " is stale: run tools/gen-item-properties.py from the repository root");
            }
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public async Task The_golden_round_trip_requests_are_what_the_generator_makes_of_the_schema()
    {
        var output = Directory.CreateTempSubdirectory("rdv-golden-").FullName;
        try
        {
            var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            info.ArgumentList.Add(Path.Combine(Processes.RepositoryRoot, "tools", "gen-golden-requests.py"));
            info.ArgumentList.Add(TestData.Path("ews-schema"));
            info.ArgumentList.Add(output);
            var (exit, _, stderr) = await Processes.RunAsync(info);
            Assert.True(exit == 0, stderr);
            var generated = Directory.GetFiles(output, "*.request.xml");
            Assert.Equal(7, generated.Length);
            foreach (var file in generated)
            {
                var committed = TestData.Path("golden", Path.GetFileName(file));
                Assert.True(File.Exists(committed) && await File.ReadAllTextAsync(committed) == await File.ReadAllTextAsync(file),
                    committed + " is stale: run tools/gen-golden-requests.py from the repository root");
            }
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public void Every_item_type_of_the_schema_has_its_elements_in_sequence_order_with_fielduri_version_and_mapi_identity()
    {
        // The counts the issue measured in types.xsd (elements with inheritance, ExtendedProperty included).
        Assert.Equal(126, Rendezvous.Domain.ItemProperties.ByType["CalendarItemType"].Count);
        Assert.Equal(156, Rendezvous.Domain.ItemProperties.ByType["ContactItemType"].Count);
        Assert.Equal(93, Rendezvous.Domain.ItemProperties.ByType["TaskType"].Count);
        Assert.Equal(79, Rendezvous.Domain.ItemProperties.ByType["PostItemType"].Count);
        var calendar = Rendezvous.Domain.ItemProperties.ByType["CalendarItemType"];
        Assert.Equal("MimeContent", calendar[0].Element);
        Assert.True(calendar.ToList().FindIndex(p => p.Element == "Subject") < calendar.ToList().FindIndex(p => p.Element == "UID"));
        var subject = calendar.Single(p => p.Element == "Subject");
        Assert.Equal(("item:Subject", "tag:0037", "String"), (subject.FieldUri, subject.MapiKey, subject.MapiType));
        var recurring = calendar.Single(p => p.Element == "IsRecurring");
        Assert.Equal(new Rendezvous.Protocol.ExtendedPropertyPath(null, "Appointment", null, null, 0x8223, "Boolean").Key, recurring.MapiKey);
        Assert.Equal(Rendezvous.Protocol.ExchangeVersion.Exchange2010, calendar.Single(p => p.Element == "StartTimeZone").Since);
        Assert.Contains("InformationalUpdate", Rendezvous.Protocol.SchemaValues.MeetingRequestTypeType.All);
        Assert.DoesNotContain("InformationUpdate", Rendezvous.Protocol.SchemaValues.MeetingRequestTypeType.All);
    }
}
