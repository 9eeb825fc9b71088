using System.Text;

namespace Rendezvous.Protocol;

/// <summary>
/// Elements written once and copied into later responses as they are (a calendar view's occurrences share their
/// master's elements: <c>ItemWriter.WriteOccurrence</c>). Made by <see cref="Capture"/> under the envelope's bindings
/// (m and t), so the bytes are what the same calls write inside any response's body; a fragment that would need a
/// namespace declaration of its own is refused, since its bytes would then depend on where it is written.
/// </summary>
public sealed class XmlFragment
{
    private string? text;

    private XmlFragment(byte[] utf8) => Utf8 = utf8;

    /// <summary>An empty fragment: nothing is written (an open start tag stays open).</summary>
    public static XmlFragment Empty { get; } = new([]);

    /// <summary>The elements as UTF-8, as the server's writer wrote them.</summary>
    public byte[] Utf8 { get; }

    /// <summary>The same as text, for a writer that is not the server's (the tests' reference writer); made when first asked.</summary>
    public string Text => text ??= Encoding.UTF8.GetString(Utf8);

    /// <summary>Whether nothing was written.</summary>
    public bool IsEmpty => Utf8.Length == 0;

    /// <summary>What <paramref name="write"/> writes inside a body whose envelope binds m and t, times in <paramref name="zone"/>; null when it declares a namespace.</summary>
    public static XmlFragment? Capture(Action<EwsWriter> write, TimeZoneInfo? zone)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var output = new MemoryStream();
        long start;
        using (var xml = new Utf8ResponseWriter(output))
        {
            xml.WriteStartElement("s", "Envelope", Ews.SoapNs);
            xml.WriteAttributeString("xmlns", "m", null, Ews.MessagesNs);
            xml.WriteAttributeString("xmlns", "t", null, Ews.TypesNs);
            // An empty string ends the start tag, as a first child would: what follows is the fragment's alone.
            xml.WriteString("");
            xml.Flush();
            start = output.Length;
            write(new EwsWriter(xml, zone));
            xml.Flush();
            var bytes = output.GetBuffer().AsSpan((int)start, (int)(output.Length - start));
            if (bytes.IndexOf("xmlns"u8) >= 0)
            {
                return null;
            }

            return bytes.IsEmpty ? Empty : new XmlFragment(bytes.ToArray());
        }
    }
}
