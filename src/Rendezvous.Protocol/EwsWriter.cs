using System.Xml;

namespace Rendezvous.Protocol;

/// <summary>A thin XmlWriter wrapper for the t: and m: namespaces, formatting values as the schema wants.</summary>
public sealed class EwsWriter(XmlWriter xml, TimeZoneInfo? zone = null)
{
    /// <summary>The writer underneath, for what the helpers do not cover.</summary>
    public XmlWriter Xml { get; } = xml;

    /// <summary>The request's TimeZoneContext, in which every time is written; null writes UTC.</summary>
    public TimeZoneInfo? Zone { get; } = zone;

    /// <summary>Starts the element t:<paramref name="local"/>.</summary>
    public void StartT(string local) => Xml.WriteStartElement("t", local, Ews.TypesNs);

    /// <summary>Starts the element m:<paramref name="local"/>.</summary>
    public void StartM(string local) => Xml.WriteStartElement("m", local, Ews.MessagesNs);

    /// <summary>Ends the element started last.</summary>
    public void End() => Xml.WriteEndElement();

    /// <summary>Writes t:<paramref name="local"/> holding <paramref name="value"/>.</summary>
    public void T(string local, string value) => Xml.WriteElementString("t", local, Ews.TypesNs, value);

    /// <summary>Writes t:<paramref name="local"/> holding an xs:boolean.</summary>
    public void T(string local, bool value) => T(local, Values.Format(value));

    /// <summary>Writes t:<paramref name="local"/> holding an xs:int.</summary>
    public void T(string local, int value) => T(local, Values.Format(value));

    /// <summary>Writes t:<paramref name="local"/> holding a UTC time, in <see cref="Zone"/> with its offset when there is one.</summary>
    public void T(string local, DateTime utc) => T(local, Values.Format(utc, Zone));

    /// <summary>
    /// When set, every m:ResponseCode written through <see cref="M"/> is counted in it by its value: the request log and
    /// the metrics tell each ResponseMessage's outcome without reading the response back.
    /// </summary>
    public IDictionary<string, int>? ResponseCodeCounts { get; set; }

    /// <summary>Writes m:<paramref name="local"/> holding <paramref name="value"/>.</summary>
    public void M(string local, string value)
    {
        if (ResponseCodeCounts is { } counts && local == "ResponseCode")
        {
            counts[value] = counts.TryGetValue(value, out var n) ? n + 1 : 1;
        }

        Xml.WriteElementString("m", local, Ews.MessagesNs, value);
    }

    /// <summary>Writes an attribute on the element started last; nothing when <paramref name="value"/> is null.</summary>
    public void Attr(string name, string? value)
    {
        if (value is not null)
        {
            Xml.WriteAttributeString(name, value);
        }
    }

    /// <summary>
    /// Writes <paramref name="fragment"/>'s elements where the next element would go (an open start tag is ended first,
    /// as that element would end it); an empty fragment writes nothing. Only where the envelope's m and t are in scope.
    /// </summary>
    public void Fragment(XmlFragment fragment)
    {
        ArgumentNullException.ThrowIfNull(fragment);
        if (fragment.IsEmpty)
        {
            return;
        }

        if (Xml is Utf8ResponseWriter utf8)
        {
            utf8.WriteRawUtf8(fragment.Utf8);
        }
        else
        {
            Xml.WriteRaw(fragment.Text);
        }
    }

    /// <summary>Whether the envelope's bindings of m and t are in scope here, as <see cref="XmlFragment.Capture"/> has them.</summary>
    public bool HasEnvelopeBindings() => Xml.LookupPrefix(Ews.TypesNs) == "t" && Xml.LookupPrefix(Ews.MessagesNs) == "m";

    /// <summary>Writes an ItemIdType element: the id and the ChangeKey of <paramref name="changeNumber"/>.</summary>
    public void ItemId(string element, string id, long changeNumber)
    {
        StartT(element);
        Attr("Id", id);
        Attr("ChangeKey", ChangeKeys.Encode(changeNumber));
        End();
    }

    /// <summary>Writes t:Mailbox (EmailAddressType): the name, address, routing type and mailbox type it has.</summary>
    public void Mailbox(EmailAddress address)
    {
        StartT("Mailbox");
        if (address.Name is not null)
        {
            T("Name", address.Name);
        }

        T("EmailAddress", address.Address);
        if (address.RoutingType is not null)
        {
            T("RoutingType", address.RoutingType);
        }

        if (address.MailboxType is not null)
        {
            T("MailboxType", address.MailboxType);
        }

        End();
    }

    /// <summary>SingleRecipientType: an element holding one Mailbox.</summary>
    public void Recipient(string element, EmailAddress address)
    {
        StartT(element);
        Mailbox(address);
        End();
    }

    /// <summary>ArrayOfRecipientsType: an element holding one Mailbox per address.</summary>
    public void Recipients(string element, IEnumerable<EmailAddress> addresses)
    {
        StartT(element);
        foreach (var a in addresses)
        {
            Mailbox(a);
        }

        End();
    }
}
