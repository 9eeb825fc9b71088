using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;
using System.Xml;

namespace Rendezvous.Protocol;

/// <summary>
/// The XmlWriter every response is written with: UTF-8 straight into a pooled buffer, flushed to the output stream when
/// full, with the output of <c>XmlWriter.Create</c> under <see cref="SoapWriter"/>'s settings byte for byte (the same
/// declaration, namespace declarations where and in the order .NET's writer puts them, the same escaping with
/// NewLineHandling.Entitize, " /&gt;" for empty elements, the same invalid characters refused).
/// </summary>
/// <remarks>
/// Why: .NET's writer is two writers, a well-formedness checker (a state machine per call, each name checked as an
/// NCName, a namespace lookup per element) over a raw text writer that encodes each name char by char; a calendar
/// view's 50–90 items are about 1,500 elements, and that was a fifth of the request (docs/benchmarks.md, 3 December).
/// Here an element's "prefix:local" is encoded once per process (a table keyed by the strings' identity, which are the
/// schema's literals) and the text is copied by spans between the characters that need escaping. Our own code is the
/// only caller, so the writer trusts names; what it cannot trust, text, is escaped and checked as .NET does. The test
/// suite writes every response through both writers and compares the bytes (<c>ResponseWriterTests</c>).
/// </remarks>
internal sealed class Utf8ResponseWriter : XmlWriter
{
    private const int BufferSize = 16 * 1024;

    // Room always kept for one escape, one encoded name or a few bytes of markup, so small writes need no check.
    private const int Slack = 512;

    private const string XmlNs = "http://www.w3.org/XML/1998/namespace";
    private const string XmlnsNs = "http://www.w3.org/2000/xmlns/";

    // What text must stop at: markup, the control characters (tab and line feed pass in text), and the two
    // non-characters .NET refuses. Surrogates are left to the UTF-8 transcoder, which fails on a lone one.
    private static readonly SearchValues<char> TextStops = SearchValues.Create(Stops(attribute: false));
    private static readonly SearchValues<char> AttributeStops = SearchValues.Create(Stops(attribute: true));

    private readonly Stream output;
    private byte[] buffer;
    private int used;

    private Scope[] scopes = new Scope[32];
    private int depth;

    private Binding[] bindings = new Binding[16];
    private int bindingTop;

    private bool startOpen;
    private AttributeKind attribute;
    private string? declaredPrefix;
    private StringBuilder? attributeValue;
    private WriteState state = WriteState.Start;

    // Base64 across WriteBase64 calls: up to two bytes wait for a third.
    private readonly byte[] base64Leftover = new byte[2];
    private int base64LeftoverCount;
    private bool inBase64;

    public Utf8ResponseWriter(Stream output)
    {
        this.output = output;
        buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        // What every document has in scope, as .NET's writer starts.
        bindings[0] = new Binding("xmlns", XmlnsNs, Written: true);
        bindings[1] = new Binding("xml", XmlNs, Written: true);
        bindings[2] = new Binding("", "", Written: true);
        bindingTop = 2;
    }

    public override WriteState WriteState => state;

    public override void WriteStartDocument() => WriteStartDocument(standalone: null);

    public override void WriteStartDocument(bool standalone) => WriteStartDocument((bool?)standalone);

    private void WriteStartDocument(bool? standalone)
    {
        Ascii("<?xml version=\"1.0\" encoding=\"utf-8\""u8);
        if (standalone is { } s)
        {
            Ascii(s ? " standalone=\"yes\""u8 : " standalone=\"no\""u8);
        }

        Ascii("?>"u8);
        state = WriteState.Prolog;
    }

    public override void WriteEndDocument()
    {
        while (depth > 0)
        {
            WriteEndElement();
        }
    }

    public override void WriteDocType(string name, string? pubid, string? sysid, string? subset) =>
        throw new NotSupportedException("A response has no document type.");

    public override void WriteStartElement(string? prefix, string localName, string? ns)
    {
        CloseStart();
        if (prefix is null)
        {
            prefix = (ns is null ? null : LookupPrefix(ns)) ?? "";
        }
        else if (prefix.Length > 0 && ns is null)
        {
            ns = LookupNamespace(prefix) ?? throw new ArgumentException($"The prefix '{prefix}' is undefined.");
        }

        ns ??= LookupNamespace(prefix) ?? "";

        if (depth == scopes.Length)
        {
            Array.Resize(ref scopes, depth * 2);
        }

        var name = Names.Get(prefix, localName);
        scopes[depth++] = new Scope(name, bindingTop);
        PushImplicit(prefix, ns);
        EnsureRoom(name.Length + 1);
        buffer[used++] = (byte)'<';
        name.CopyTo(buffer, used);
        used += name.Length;
        startOpen = true;
        state = WriteState.Element;
    }

    public override void WriteEndElement() => End(full: false);

    public override void WriteFullEndElement() => End(full: true);

    private void End(bool full)
    {
        if (depth == 0)
        {
            throw new InvalidOperationException("There was no XML start tag open.");
        }

        EndBase64();
        var scope = scopes[--depth];
        if (startOpen && !full)
        {
            WriteDeclarations(scope.BindingsBefore);
            startOpen = false;
            Ascii(" />"u8);
        }

        else
        {
            CloseStart();
            EnsureRoom(scope.Name.Length + 3);
            buffer[used++] = (byte)'<';
            buffer[used++] = (byte)'/';
            scope.Name.CopyTo(buffer, used);
            used += scope.Name.Length;
            buffer[used++] = (byte)'>';
        }

        bindingTop = scope.BindingsBefore;
        state = depth == 0 ? WriteState.Prolog : WriteState.Content;
    }

    public override void WriteStartAttribute(string? prefix, string localName, string? ns)
    {
        if (!startOpen)
        {
            throw new InvalidOperationException("An attribute can only be written inside a start tag.");
        }

        if (string.IsNullOrEmpty(localName))
        {
            if (prefix != "xmlns")
            {
                throw new ArgumentException("The empty string is not a valid local name.");
            }

            localName = "xmlns";
            prefix = "";
        }

        if (prefix is null)
        {
            if (ns is not null && !(localName == "xmlns" && ns == XmlnsNs))
            {
                prefix = LookupPrefix(ns);
            }

            prefix ??= "";
        }

        if (ns is null)
        {
            if (prefix.Length > 0)
            {
                ns = LookupNamespace(prefix);
            }

            ns ??= "";
        }

        if (prefix.Length == 0)
        {
            if (localName == "xmlns")
            {
                Declaration("");
                return;
            }

            if (ns.Length > 0)
            {
                prefix = LookupPrefix(ns);
                if (string.IsNullOrEmpty(prefix))
                {
                    prefix = GeneratePrefix();
                }
            }
        }
        else
        {
            if (prefix == "xmlns")
            {
                Declaration(localName);
                return;
            }

            if (ns.Length == 0)
            {
                prefix = "";
            }
            else if (LookupLocalNamespace(prefix) is { } defined && defined != ns)
            {
                prefix = GeneratePrefix();
            }
        }

        // xml:lang and xml:space are written as they come (.NET's special attributes); xml itself is always in scope.
        if (prefix.Length != 0 && !(prefix == "xml" && localName is "lang" or "space"))
        {
            PushImplicit(prefix, ns);
        }

        var name = Names.Get(prefix, localName);
        EnsureRoom(name.Length + 3);
        buffer[used++] = (byte)' ';
        name.CopyTo(buffer, used);
        used += name.Length;
        buffer[used++] = (byte)'=';
        buffer[used++] = (byte)'"';
        attribute = AttributeKind.Plain;
        state = WriteState.Attribute;
    }

    private void Declaration(string prefix)
    {
        declaredPrefix = prefix;
        attribute = AttributeKind.Declaration;
        (attributeValue ??= new StringBuilder()).Clear();
        state = WriteState.Attribute;
    }

    public override void WriteEndAttribute()
    {
        switch (attribute)
        {
            case AttributeKind.Plain:
                EnsureRoom(1);
                buffer[used++] = (byte)'"';
                break;
            case AttributeKind.Declaration:
                var ns = attributeValue!.ToString();
                if (ns.Length == 0 && declaredPrefix!.Length > 0)
                {
                    throw new ArgumentException("Cannot use a prefix with an empty namespace.");
                }

                PushExplicit(declaredPrefix!, ns);
                WriteDeclaration(declaredPrefix!, ns);
                break;
            default:
                throw new InvalidOperationException("No attribute is open.");
        }

        attribute = AttributeKind.None;
        state = WriteState.Element;
    }

    public override void WriteString(string? text)
    {
        if (attribute == AttributeKind.Declaration)
        {
            attributeValue!.Append(text);
            return;
        }

        if (text is null)
        {
            return;
        }

        if (text.Length == 0)
        {
            // Ends a start tag, as in .NET's writer: the element is then written <a></a>.
            if (attribute == AttributeKind.None)
            {
                CloseStart();
            }

            return;
        }

        if (attribute == AttributeKind.Plain)
        {
            Escaped(text, AttributeStops, inAttribute: true);
            return;
        }

        CloseStart();
        EndBase64();
        Escaped(text, TextStops, inAttribute: false);
        state = WriteState.Content;
    }

    public override void WriteChars(char[] chars, int index, int count) => WriteString(new string(chars, index, count));

    public override void WriteWhitespace(string? ws) => WriteString(ws);

    public override void WriteCData(string? text)
    {
        CloseStart();
        EndBase64();
        // "]]>" cannot be in a CDATA section: it is split across two, as .NET does.
        Ascii("<![CDATA["u8);
        Raw((text ?? "").Replace("]]>", "]]]]><![CDATA[>", StringComparison.Ordinal));
        Ascii("]]>"u8);
        state = WriteState.Content;
    }

    public override void WriteComment(string? text)
    {
        CloseStart();
        EndBase64();
        // No "--" and no final '-' in a comment: a space goes between, as .NET does.
        var t = text ?? "";
        var sb = new StringBuilder(t.Length + 4);
        for (var i = 0; i < t.Length; i++)
        {
            sb.Append(t[i]);
            if (t[i] == '-' && (i + 1 == t.Length || t[i + 1] == '-'))
            {
                sb.Append(' ');
            }
        }

        Ascii("<!--"u8);
        Raw(sb.ToString());
        Ascii("-->"u8);
        state = WriteState.Content;
    }

    public override void WriteProcessingInstruction(string name, string? text)
    {
        CloseStart();
        EndBase64();
        Ascii("<?"u8);
        Raw(name);
        if (!string.IsNullOrEmpty(text))
        {
            Ascii(" "u8);
            Raw(text.Replace("?>", "? >", StringComparison.Ordinal));
        }

        Ascii("?>"u8);
    }

    public override void WriteEntityRef(string name)
    {
        CloseStart();
        Ascii("&"u8);
        Raw(name);
        Ascii(";"u8);
    }

    public override void WriteCharEntity(char ch)
    {
        if (attribute == AttributeKind.Declaration)
        {
            attributeValue!.Append(ch);
            return;
        }

        if (attribute == AttributeKind.None)
        {
            CloseStart();
        }

        Raw("&#x" + ((int)ch).ToString("X", CultureInfo.InvariantCulture) + ";");
    }

    public override void WriteSurrogateCharEntity(char lowChar, char highChar)
    {
        if (attribute == AttributeKind.None)
        {
            CloseStart();
        }

        Raw("&#x" + char.ConvertToUtf32(highChar, lowChar).ToString("X", CultureInfo.InvariantCulture) + ";");
    }

    public override void WriteRaw(char[] buffer, int index, int count) => WriteRaw(new string(buffer, index, count));

    public override void WriteRaw(string data)
    {
        if (attribute == AttributeKind.None)
        {
            CloseStart();
        }

        Raw(data);
    }

    /// <summary>UTF-8 written as it is (<see cref="XmlFragment"/>: elements this writer wrote before), after an open start tag is ended.</summary>
    internal void WriteRawUtf8(ReadOnlySpan<byte> utf8)
    {
        CloseStart();
        EndBase64();
        while (!utf8.IsEmpty)
        {
            var n = Math.Min(utf8.Length, BufferSize - Slack);
            EnsureRoom(n);
            utf8[..n].CopyTo(buffer.AsSpan(used));
            used += n;
            utf8 = utf8[n..];
        }

        state = WriteState.Content;
    }

    public override void WriteBase64(byte[] bytes, int index, int count)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (attribute == AttributeKind.None)
        {
            CloseStart();
            state = WriteState.Content;
        }

        inBase64 = true;
        var data = bytes.AsSpan(index, count);
        if (base64LeftoverCount > 0)
        {
            while (base64LeftoverCount < 3 && !data.IsEmpty)
            {
                if (base64LeftoverCount == 2)
                {
                    Span<byte> three = [base64Leftover[0], base64Leftover[1], data[0]];
                    data = data[1..];
                    base64LeftoverCount = 0;
                    Base64(three);
                    break;
                }

                base64Leftover[base64LeftoverCount++] = data[0];
                data = data[1..];
            }
        }

        var whole = data.Length / 3 * 3;
        // In chunks that fit the buffer: a 20 MB attachment never sits here whole.
        const int Chunk = (BufferSize - Slack) / 4 * 3;
        var span = data[..whole];
        while (!span.IsEmpty)
        {
            var n = Math.Min(span.Length, Chunk);
            Base64(span[..n]);
            span = span[n..];
        }

        for (var i = whole; i < data.Length; i++)
        {
            base64Leftover[base64LeftoverCount++] = data[i];
        }
    }

    private void Base64(ReadOnlySpan<byte> bytes)
    {
        EnsureRoom((bytes.Length + 2) / 3 * 4);
        System.Buffers.Text.Base64.EncodeToUtf8(bytes, buffer.AsSpan(used), out _, out var written);
        used += written;
    }

    private void EndBase64()
    {
        if (!inBase64)
        {
            return;
        }

        inBase64 = false;
        if (base64LeftoverCount > 0)
        {
            var rest = base64Leftover.AsSpan(0, base64LeftoverCount);
            base64LeftoverCount = 0;
            Base64(rest);
        }
    }

    public override string? LookupPrefix(string ns)
    {
        for (var i = bindingTop; i >= 0; i--)
        {
            if (bindings[i].Namespace == ns)
            {
                var prefix = bindings[i].Prefix;
                for (var j = i + 1; j <= bindingTop; j++)
                {
                    if (bindings[j].Prefix == prefix)
                    {
                        return null;
                    }
                }

                return prefix;
            }
        }

        return null;
    }

    private string? LookupNamespace(string prefix)
    {
        for (var i = bindingTop; i >= 0; i--)
        {
            if (bindings[i].Prefix == prefix)
            {
                return bindings[i].Namespace;
            }
        }

        return null;
    }

    private string? LookupLocalNamespace(string prefix)
    {
        var from = depth == 0 ? 0 : scopes[depth - 1].BindingsBefore;
        for (var i = bindingTop; i > from; i--)
        {
            if (bindings[i].Prefix == prefix)
            {
                return bindings[i].Namespace;
            }
        }

        return null;
    }

    private string GeneratePrefix()
    {
        var generated = "p" + (bindingTop - 2).ToString("d", CultureInfo.InvariantCulture);
        if (LookupNamespace(generated) is null)
        {
            return generated;
        }

        for (var i = 0; ; i++)
        {
            var s = generated + i.ToString(CultureInfo.InvariantCulture);
            if (LookupNamespace(s) is null)
            {
                return s;
            }
        }
    }

    /// <summary>A binding an element or attribute name needs: already written when it is in scope, else declared when the start tag closes.</summary>
    private void PushImplicit(string prefix, string ns)
    {
        // The common case first: the prefix bound to this namespace by the envelope or a parent.
        for (var i = bindingTop; i >= 0; i--)
        {
            if ((object)bindings[i].Prefix == prefix || bindings[i].Prefix == prefix)
            {
                if ((object)bindings[i].Namespace == ns || bindings[i].Namespace == ns)
                {
                    // Kept, written or not, as .NET keeps it: a generated prefix ("p" and the count) counts them.
                    Push(new Binding(prefix, ns, Written: true));
                    return;
                }

                break;
            }
        }

        Push(new Binding(prefix, ns, Written: false));
    }

    /// <summary>A declaration written as an attribute: always written, and it satisfies an implicit one of this element.</summary>
    private void PushExplicit(string prefix, string ns)
    {
        var from = depth == 0 ? 0 : scopes[depth - 1].BindingsBefore;
        for (var i = bindingTop; i > from; i--)
        {
            if (bindings[i].Prefix == prefix)
            {
                if (bindings[i].Namespace != ns)
                {
                    throw new XmlException($"The prefix '{prefix}' cannot be redefined within the same start element tag.");
                }

                bindings[i] = new Binding(prefix, ns, Written: true);
                return;
            }
        }

        Push(new Binding(prefix, ns, Written: true));
    }

    private void Push(Binding binding)
    {
        if (++bindingTop == bindings.Length)
        {
            Array.Resize(ref bindings, bindings.Length * 2);
        }

        bindings[bindingTop] = binding;
    }

    /// <summary>Ends an open start tag: the declarations it still needs (last added first, as .NET writes them), then '&gt;'.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CloseStart()
    {
        if (!startOpen)
        {
            return;
        }

        CloseStartSlow();
    }

    private void CloseStartSlow()
    {
        WriteDeclarations(scopes[depth - 1].BindingsBefore);
        startOpen = false;
        EnsureRoom(1);
        buffer[used++] = (byte)'>';
        state = WriteState.Content;
    }

    private void WriteDeclarations(int before)
    {
        for (var i = bindingTop; i > before; i--)
        {
            if (!bindings[i].Written)
            {
                WriteDeclaration(bindings[i].Prefix, bindings[i].Namespace);
                bindings[i] = bindings[i] with { Written = true };
            }
        }
    }

    private void WriteDeclaration(string prefix, string ns)
    {
        Ascii(prefix.Length == 0 ? " xmlns=\""u8 : " xmlns:"u8);
        if (prefix.Length > 0)
        {
            Raw(prefix);
            Ascii("=\""u8);
        }

        Escaped(ns, AttributeStops, inAttribute: true);
        Ascii("\""u8);
    }

    /// <summary>Text with &lt;, &gt;, &amp; (and in an attribute ", tab, line feed) escaped, carriage returns as &amp;#xD;.</summary>
    private void Escaped(ReadOnlySpan<char> text, SearchValues<char> stops, bool inAttribute)
    {
        while (!text.IsEmpty)
        {
            var stop = text.IndexOfAny(stops);
            var run = stop < 0 ? text : text[..stop];
            if (!run.IsEmpty)
            {
                Utf8Run(run);
            }

            if (stop < 0)
            {
                return;
            }

            EnsureRoom(8);
            var entity = text[stop] switch
            {
                '<' => "&lt;"u8,
                '>' => "&gt;"u8,
                '&' => "&amp;"u8,
                '"' => "&quot;"u8,
                '\r' => "&#xD;"u8,
                '\n' when inAttribute => "&#xA;"u8,
                '\t' when inAttribute => "&#x9;"u8,
                var c => throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"'{c}', hexadecimal value 0x{(int)c:X2}, is an invalid character.")),
            };
            entity.CopyTo(buffer.AsSpan(used));
            used += entity.Length;
            text = text[(stop + 1)..];
        }
    }

    /// <summary>Characters that need no escaping, as UTF-8; a lone surrogate is refused, as .NET refuses it.</summary>
    private void Utf8Run(ReadOnlySpan<char> run)
    {
        while (!run.IsEmpty)
        {
            EnsureRoom(Math.Min(run.Length * 3, BufferSize - Slack));
            var status = Utf8.FromUtf16(run, buffer.AsSpan(used, buffer.Length - used - 8), out var read, out var written, replaceInvalidSequences: false, isFinalBlock: true);
            used += written;
            run = run[read..];
            if (status == OperationStatus.InvalidData)
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Invalid surrogate character (0x{(int)run[0]:X}) in the text written."));
            }
        }
    }

    private void Raw(string text) => Utf8Run(text);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Ascii(ReadOnlySpan<byte> bytes)
    {
        EnsureRoom(bytes.Length);
        bytes.CopyTo(buffer.AsSpan(used));
        used += bytes.Length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void EnsureRoom(int bytes)
    {
        if (used + bytes + Slack > buffer.Length)
        {
            Drain(bytes);
        }
    }

    private void Drain(int bytes)
    {
        output.Write(buffer, 0, used);
        used = 0;
        if (bytes + Slack > buffer.Length)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            buffer = ArrayPool<byte>.Shared.Rent(bytes + Slack);
        }
    }

    // An open base64 run stays open (its leftover bytes wait), as in .NET's writer.
    public override void Flush()
    {
        output.Write(buffer, 0, used);
        used = 0;
        output.Flush();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && state != WriteState.Closed)
        {
            try
            {
                if (attribute == AttributeKind.None)
                {
                    EndBase64();
                }

                output.Write(buffer, 0, used);
                output.Flush();
            }
            finally
            {
                used = 0;
                state = WriteState.Closed;
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = [];
            }
        }

        base.Dispose(disposing);
    }

    private static string Stops(bool attribute)
    {
        var stops = new StringBuilder("<>&\uFFFE\uFFFF");
        for (var c = '\0'; c < ' '; c++)
        {
            if (attribute || (c != '\t' && c != '\n'))
            {
                stops.Append(c);
            }
        }

        if (attribute)
        {
            stops.Append('"');
        }

        return stops.ToString();
    }

    private enum AttributeKind
    {
        None,
        Plain,
        Declaration,
    }

    private readonly record struct Scope(byte[] Name, int BindingsBefore);

    private readonly record struct Binding(string Prefix, string Namespace, bool Written);

    /// <summary>
    /// "prefix:local" as UTF-8, kept per pair of strings by their identity: the names written are the schema's literals,
    /// so after the first response every element name is a table hit. A slot holds one immutable entry; a race replaces it.
    /// </summary>
    private static class Names
    {
        private const int Size = 4096;
        private static readonly Entry?[] Table = new Entry?[Size];

        public static byte[] Get(string prefix, string local)
        {
            var slot = (RuntimeHelpers.GetHashCode(local) * 31 + RuntimeHelpers.GetHashCode(prefix)) & (Size - 1);
            var entry = Volatile.Read(ref Table[slot]);
            if (entry is not null && (object)entry.Local == local && (object)entry.Prefix == prefix)
            {
                return entry.Utf8;
            }

            var utf8 = Encoding.UTF8.GetBytes(prefix.Length == 0 ? local : prefix + ":" + local);
            Volatile.Write(ref Table[slot], new Entry(prefix, local, utf8));
            return utf8;
        }

        private sealed record Entry(string Prefix, string Local, byte[] Utf8);
    }
}
