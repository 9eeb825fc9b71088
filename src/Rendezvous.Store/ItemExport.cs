using System.Buffers;
using System.Text;
using System.Text.Json;
using Rendezvous.Domain;

namespace Rendezvous.Store;

/// <summary>An exported item's attachment: its header and either its bytes (a file) or its item (an item attachment).</summary>
public sealed record ExportedAttachment(Attachment Header, byte[]? Bytes, Item? Item);

/// <summary>
/// The opaque Data of ExportItems and UploadItems: the item in the store's own format (every property, as stored, so
/// nothing is lost on the way back) with its attachments, header and content, in one JSON document. Exchange's Data is
/// its own opaque stream too; a client only hands it back. Ids, folder and change number are not part of it: an
/// uploaded item gets them where it is put.
/// </summary>
public static class ItemExport
{
    private const string Format = "rendezvous-item-export/1";

    public static byte[] Write(Item item, IReadOnlyList<ExportedAttachment> attachments)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("format", Format);
            w.WritePropertyName("item");
            w.WriteRawValue(ItemFormat.Serialize(item), skipInputValidation: true);
            w.WriteStartArray("attachments");
            foreach (var a in attachments)
            {
                w.WriteStartObject();
                w.WritePropertyName("header");
                w.WriteRawValue(ItemFormat.SerializeAttachment(a.Header), skipInputValidation: true);
                if (a.Bytes is { } bytes)
                {
                    w.WriteBase64String("bytes", bytes);
                }

                if (a.Item is { } attached)
                {
                    w.WritePropertyName("item");
                    w.WriteRawValue(ItemFormat.Serialize(attached), skipInputValidation: true);
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The item and attachments of an export; <see cref="FormatException"/> when the data is no export of this server's.</summary>
    public static (Item Item, IReadOnlyList<ExportedAttachment> Attachments) Read(ReadOnlySpan<byte> data)
    {
        try
        {
            using var document = JsonDocument.Parse(data.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != Format)
            {
                throw new FormatException("The data is not an item exported by this server.");
            }

            var item = ItemFormat.Deserialize(Encoding.UTF8.GetBytes(root.GetProperty("item").GetRawText()));
            var attachments = new List<ExportedAttachment>();
            foreach (var a in root.GetProperty("attachments").EnumerateArray())
            {
                var header = ItemFormat.DeserializeAttachment(Encoding.UTF8.GetBytes(a.GetProperty("header").GetRawText()));
                var bytes = a.TryGetProperty("bytes", out var b) ? b.GetBytesFromBase64() : null;
                var attached = a.TryGetProperty("item", out var i) ? ItemFormat.Deserialize(Encoding.UTF8.GetBytes(i.GetRawText())) : null;
                attachments.Add(new ExportedAttachment(header, bytes, attached));
            }

            return (item, attachments);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException or KeyNotFoundException or InvalidCastException or OverflowException or IndexOutOfRangeException)
        {
            throw new FormatException("The data is not an item exported by this server.", e);
        }
    }
}
