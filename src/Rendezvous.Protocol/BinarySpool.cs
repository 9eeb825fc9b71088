using System.Globalization;
using System.Xml;

namespace Rendezvous.Protocol;

/// <summary>
/// Where a request's file attachment contents go while it is parsed: decoded from base64 as the XML reader reaches
/// them, kept in memory up to a small size and in a temporary file beyond, so that a 20 MB attachment is never a
/// 27 MB string (54 MB in UTF-16) in the parsed document. The document holds a token in place of the text
/// (<see cref="IsToken"/>; XML text can never contain one, it starts with U+0000). Disposing deletes the file.
/// </summary>
public sealed class BinarySpool : IDisposable
{
    private const char Mark = '\0';
    private readonly int memoryBytes;
    private readonly List<(long Start, long Length)> entries = [];
    private HashSet<int>? invalid;
    private MemoryStream? memory = new();
    private FileStream? file;

    /// <param name="memoryBytes">How much is kept in memory before the spool moves to a temporary file.</param>
    public BinarySpool(int memoryBytes = 256 * 1024) => this.memoryBytes = memoryBytes;

    /// <summary>Whether <paramref name="text"/> is a spool token rather than text from the request.</summary>
    public static bool IsToken(string text) => text.Length > 1 && text[0] == Mark;

    /// <summary>The decoded length of the content <paramref name="token"/> stands for.</summary>
    public long LengthOf(string token) => entries[Index(token)].Length;

    /// <summary>Whether the text <paramref name="token"/> stands for was base64 (an item's MimeContent is decoded leniently, so its item fails alone).</summary>
    public bool IsValid(string token) => invalid?.Contains(Index(token)) != true;

    /// <summary>The content <paramref name="token"/> stands for, as a stream read from the spool (each call a new one, seekable).</summary>
    public Stream Open(string token)
    {
        var (start, length) = entries[Index(token)];
        return new Slice(this, start, length);
    }

    private static int Index(string token) =>
        IsToken(token) ? int.Parse(token.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture) : throw new ArgumentException("Not a spool token.", nameof(token));

    /// <summary>Decodes the base64 content the reader is on (text of an element) to its end, returning its token.</summary>
    internal string Append(XmlReader reader)
    {
        var start = memory?.Length ?? file!.Length;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(48 * 1024);
        try
        {
            int read;
            while ((read = reader.ReadContentAsBase64(buffer, 0, buffer.Length)) > 0)
            {
                if (memory is not null && memory.Length + read > memoryBytes)
                {
                    file = new FileStream(Path.Combine(Path.GetTempPath(), "rdv-spool-" + Guid.NewGuid().ToString("N")), FileMode.CreateNew, FileAccess.ReadWrite,
                        FileShare.None, 64 * 1024, FileOptions.DeleteOnClose);
                    memory.Position = 0;
                    memory.CopyTo(file);
                    memory = null;
                }

                (memory ?? (Stream)file!).Write(buffer, 0, read);
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }

        file?.Flush();
        var end = memory?.Length ?? file!.Length;
        entries.Add((start, end - start));
        return Mark + (entries.Count - 1).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Decodes the base64 text node the reader is on, a chunk at a time (never the whole text as a string), returning
    /// its token; text that is not base64 is read to its end all the same and its entry marked invalid. The reader is
    /// left on the text node.
    /// </summary>
    internal string AppendText(XmlReader reader)
    {
        var start = memory?.Length ?? file!.Length;
        const int Chunk = 64 * 1024;
        var chars = System.Buffers.ArrayPool<char>.Shared.Rent(Chunk);
        var clean = System.Buffers.ArrayPool<char>.Shared.Rent(Chunk + 4);
        var bytes = System.Buffers.ArrayPool<byte>.Shared.Rent((Chunk + 4) / 4 * 3);
        var valid = true;
        var pending = 0; // characters of clean not decoded yet (fewer than four)
        var ended = false; // a padded quartet was decoded: nothing may follow
        try
        {
            int read;
            while ((read = reader.ReadValueChunk(chars, 0, Chunk)) > 0)
            {
                if (!valid)
                {
                    continue;
                }

                var count = pending;
                foreach (var c in chars.AsSpan(0, read))
                {
                    if (c is not (' ' or '\t' or '\r' or '\n'))
                    {
                        clean[count++] = c;
                    }
                }

                var whole = count / 4 * 4;
                if (whole > 0)
                {
                    if (ended || !Convert.TryFromBase64Chars(clean.AsSpan(0, whole), bytes, out var written))
                    {
                        valid = false;
                        continue;
                    }

                    ended = clean[whole - 1] == '=';
                    Write(bytes.AsSpan(0, written));
                }

                clean.AsSpan(whole, count - whole).CopyTo(clean);
                pending = count - whole;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<char>.Shared.Return(chars);
            System.Buffers.ArrayPool<char>.Shared.Return(clean);
            System.Buffers.ArrayPool<byte>.Shared.Return(bytes);
        }

        file?.Flush();
        var end = memory?.Length ?? file!.Length;
        entries.Add((start, end - start));
        if (!valid || pending != 0)
        {
            (invalid ??= []).Add(entries.Count - 1);
        }

        return Mark + (entries.Count - 1).ToString(CultureInfo.InvariantCulture);
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        if (memory is not null && memory.Length + bytes.Length > memoryBytes)
        {
            file = new FileStream(Path.Combine(Path.GetTempPath(), "rdv-spool-" + Guid.NewGuid().ToString("N")), FileMode.CreateNew, FileAccess.ReadWrite,
                FileShare.None, 64 * 1024, FileOptions.DeleteOnClose);
            memory.Position = 0;
            memory.CopyTo(file);
            memory = null;
        }

        (memory ?? (Stream)file!).Write(bytes);
    }

    private int ReadAt(long offset, Span<byte> destination)
    {
        if (memory is not null)
        {
            var available = (int)Math.Max(0, Math.Min(destination.Length, memory.Length - offset));
            memory.GetBuffer().AsSpan((int)offset, available).CopyTo(destination);
            return available;
        }

        return RandomAccess.Read(file!.SafeFileHandle, destination, offset);
    }

    /// <summary>Deletes the temporary file (if the spool needed one) and lets the memory go.</summary>
    public void Dispose()
    {
        file?.Dispose();
        file = null;
        memory = null;
    }

    /// <summary>One content of the spool, read from where it lies.</summary>
    private sealed class Slice(BinarySpool spool, long start, long length) : Stream
    {
        private long position;

        public override bool CanRead => true;

        // Seekable, so that MimeKit parses a spooled MimeContent in place (its parts read from the spool when decoded).
        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position { get => position; set => Seek(value, SeekOrigin.Begin); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var wanted = (int)Math.Min(buffer.Length, length - position);
            if (wanted <= 0)
            {
                return 0;
            }

            var read = spool.ReadAt(start + position, buffer[..wanted]);
            position += read;
            return read;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin)
        {
            var target = origin switch
            {
                SeekOrigin.Begin => offset,
                SeekOrigin.Current => position + offset,
                _ => length + offset,
            };
            ArgumentOutOfRangeException.ThrowIfNegative(target, nameof(offset));
            position = target;
            return position;
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>
/// Hands the XML of a request to its reader with each FileAttachment's Content text decoded into a
/// <see cref="BinarySpool"/> as it streams by, and a token in its place.
/// </summary>
internal sealed class SpoolingReader(XmlReader inner, BinarySpool spool) : XmlReaderWrapper(inner)
{
    private readonly XmlReader inner = inner;
    private readonly List<string> open = [];
    private string? token;
    private bool atToken;
    private bool contentNext;
    private bool mimeNext;
    private bool onText;

    public override XmlNodeType NodeType => atToken ? XmlNodeType.Text : inner.NodeType;

    public override string Value => atToken ? token! : inner.Value;

    public override string LocalName => atToken ? "" : inner.LocalName;

    public override string NamespaceURI => atToken ? "" : inner.NamespaceURI;

    public override string Prefix => atToken ? "" : inner.Prefix;

    public override int Depth => atToken && !onText ? inner.Depth + 1 : inner.Depth;

    public override bool IsEmptyElement => !atToken && inner.IsEmptyElement;

    public override int AttributeCount => atToken ? 0 : inner.AttributeCount;

    public override bool MoveToFirstAttribute() => !atToken && inner.MoveToFirstAttribute();

    public override bool MoveToNextAttribute() => !atToken && inner.MoveToNextAttribute();

    public override bool Read()
    {
        if (atToken)
        {
            atToken = false;
            // A FileAttachment's Content was read past; a MimeContent's text node is still the inner reader's.
            if (onText)
            {
                onText = false;
                if (!inner.Read())
                {
                    return false;
                }
            }

            Track();
            return true;
        }

        if (!inner.Read())
        {
            return false;
        }

        if (mimeNext)
        {
            mimeNext = false;
            if (inner.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace)
            {
                token = spool.AppendText(inner);
                atToken = onText = true;
                return true;
            }
        }

        if (contentNext)
        {
            contentNext = false;
            if (inner.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace)
            {
                token = spool.Append(inner);
                atToken = true;
                return true;
            }
        }

        Track();
        return true;
    }

    /// <summary>Keeps the open elements' names, to know a Content element's parent when it starts.</summary>
    private void Track()
    {
        switch (inner.NodeType)
        {
            case XmlNodeType.Element:
                var name = inner.NamespaceURI == Ews.TypesNs ? inner.LocalName : "";
                if (name == "Content" && open.Count > 0 && open[^1] == "FileAttachment" && !inner.IsEmptyElement)
                {
                    contentNext = true;
                }

                // A message's MimeContent (its attachments with it) is spooled too, where an item is created or set (in
                // CreateItem's Items, an ItemAttachment, a SetItemField); those of calendar items, contacts and tasks are
                // small, and one elsewhere (an item inside ConflictingMeetings, say) is kept verbatim, so they stay text.
                if (name == "MimeContent" && open.Count > 1 && open[^1] is ("Message" or "Item" or "PostItem")
                    && open[^2] is ("" or "ItemAttachment" or "SetItemField") && !inner.IsEmptyElement)
                {
                    mimeNext = true;
                }

                if (!inner.IsEmptyElement)
                {
                    open.Add(name);
                }

                break;
            case XmlNodeType.EndElement when open.Count > 0:
                open.RemoveAt(open.Count - 1);
                break;
            default:
                break;
        }

    }
}
