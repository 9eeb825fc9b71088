using System.Runtime.CompilerServices;
using System.Text;
using System.Xml;
using Rendezvous.Protocol;

namespace Rendezvous.Tests.Infrastructure;

/// <summary>
/// Every response the in-process servers of this suite write goes through both the server's writer
/// (<see cref="Utf8ResponseWriter"/>) and .NET's (<c>XmlWriter.Create</c> with <see cref="SoapWriter.Settings"/>); the
/// bytes must be equal, else the response fails with the first difference. So each test that reads a response is also
/// a test that the fast writer writes what .NET's would.
/// </summary>
internal static class WriterTeeSetup
{
    [ModuleInitializer]
    internal static void Install() => SoapWriter.CreateWriter = static output => new WriterTee(output);
}

/// <summary>Forwards each call to both writers; on dispose compares their bytes and passes the server's on, or throws.</summary>
internal sealed class WriterTee(Stream output) : XmlWriter
{
    private readonly MemoryStream fastBytes = new();
    private readonly MemoryStream referenceBytes = new();
    private XmlWriter? fast;
    private XmlWriter? reference;
    private bool failed;

    /// <summary>Responses compared so far, and those that differed (the suite's own check reads them).</summary>
    public static int Compared;

    private XmlWriter Fast => fast ??= new Utf8ResponseWriter(fastBytes);

    private XmlWriter Reference => reference ??= XmlWriter.Create(referenceBytes, SoapWriter.Settings);

    private void Both(Action<XmlWriter> call)
    {
        Exception? fromFast = null;
        Exception? fromReference = null;
        try
        {
            call(Fast);
        }
        catch (Exception e)
        {
            fromFast = e;
        }

        try
        {
            call(Reference);
        }
        catch (Exception e)
        {
            fromReference = e;
        }

        if (fromFast is null && fromReference is null)
        {
            return;
        }

        failed = true;
        if (fromFast is null || fromReference is null || fromFast.GetType() != fromReference.GetType())
        {
            throw new InvalidOperationException($"The writers disagree: the server's {Describe(fromFast)}, .NET's {Describe(fromReference)}.");
        }

        throw fromFast;
    }

    private static string Describe(Exception? e) => e is null ? "wrote" : $"threw {e.GetType().Name}: {e.Message}";

    public override WriteState WriteState => Reference.WriteState;

    public override string? LookupPrefix(string ns)
    {
        var a = Fast.LookupPrefix(ns);
        var b = Reference.LookupPrefix(ns);
        return a == b ? b : throw new InvalidOperationException($"LookupPrefix({ns}): the server's {a}, .NET's {b}.");
    }

    public override void Flush() => Both(static w => w.Flush());

    public override void WriteBase64(byte[] buffer, int index, int count) => Both(w => w.WriteBase64(buffer, index, count));

    public override void WriteCData(string? text) => Both(w => w.WriteCData(text));

    public override void WriteCharEntity(char ch) => Both(w => w.WriteCharEntity(ch));

    public override void WriteChars(char[] buffer, int index, int count) => Both(w => w.WriteChars(buffer, index, count));

    public override void WriteComment(string? text) => Both(w => w.WriteComment(text));

    public override void WriteDocType(string name, string? pubid, string? sysid, string? subset) => Both(w => w.WriteDocType(name, pubid, sysid, subset));

    public override void WriteEndAttribute() => Both(static w => w.WriteEndAttribute());

    public override void WriteEndDocument() => Both(static w => w.WriteEndDocument());

    public override void WriteEndElement() => Both(static w => w.WriteEndElement());

    public override void WriteEntityRef(string name) => Both(w => w.WriteEntityRef(name));

    public override void WriteFullEndElement() => Both(static w => w.WriteFullEndElement());

    public override void WriteProcessingInstruction(string name, string? text) => Both(w => w.WriteProcessingInstruction(name, text));

    public override void WriteRaw(char[] buffer, int index, int count) => Both(w => w.WriteRaw(buffer, index, count));

    public override void WriteRaw(string data) => Both(w => w.WriteRaw(data));

    public override void WriteStartAttribute(string? prefix, string localName, string? ns) => Both(w => w.WriteStartAttribute(prefix, localName, ns));

    public override void WriteStartDocument() => Both(static w => w.WriteStartDocument());

    public override void WriteStartDocument(bool standalone) => Both(w => w.WriteStartDocument(standalone));

    public override void WriteStartElement(string? prefix, string localName, string? ns) => Both(w => w.WriteStartElement(prefix, localName, ns));

    public override void WriteString(string? text) => Both(w => w.WriteString(text));

    public override void WriteSurrogateCharEntity(char lowChar, char highChar) => Both(w => w.WriteSurrogateCharEntity(lowChar, highChar));

    public override void WriteWhitespace(string? ws) => Both(w => w.WriteWhitespace(ws));

    protected override void Dispose(bool disposing)
    {
        if (disposing && (fast is not null || reference is not null))
        {
            Fast.Dispose();
            Reference.Dispose();
            fast = reference = null;
            // A response whose writing failed is thrown away by the endpoint: only finished ones are compared.
            if (!failed)
            {
                Interlocked.Increment(ref Compared);
                var a = fastBytes.ToArray();
                var b = referenceBytes.ToArray();
                if (!a.AsSpan().SequenceEqual(b))
                {
                    throw new InvalidOperationException(Difference(a, b));
                }

                output.Write(a);
            }
        }

        base.Dispose(disposing);
    }

    /// <summary>Where two outputs part, with some text either side.</summary>
    public static string Difference(byte[] fast, byte[] reference)
    {
        var at = fast.AsSpan().CommonPrefixLength(reference);
        string Around(byte[] bytes) => Encoding.UTF8.GetString(bytes, Math.Max(0, at - 80), Math.Min(bytes.Length, at + 80) - Math.Max(0, at - 80));
        return $"The server's writer and .NET's differ at byte {at} (lengths {fast.Length} and {reference.Length}):\n  server: {Around(fast)}\n  .NET:   {Around(reference)}";
    }
}
