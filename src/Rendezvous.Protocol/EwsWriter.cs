using System.Xml;

namespace Rendezvous.Protocol;

/// <summary>A thin XmlWriter wrapper for the t: and m: namespaces, formatting values as the schema wants.</summary>
public sealed class EwsWriter(XmlWriter xml, TimeZoneInfo? zone = null)
{
    public XmlWriter Xml { get; } = xml;

    /// <summary>The request's TimeZoneContext, in which every time is written; null writes UTC.</summary>
    public TimeZoneInfo? Zone { get; } = zone;

    public void StartT(string local) => Xml.WriteStartElement("t", local, Ews.TypesNs);

    public void StartM(string local) => Xml.WriteStartElement("m", local, Ews.MessagesNs);

    public void End() => Xml.WriteEndElement();

    public void T(string local, string value) => Xml.WriteElementString("t", local, Ews.TypesNs, value);

    public void T(string local, bool value) => T(local, Values.Format(value));

    public void T(string local, int value) => T(local, Values.Format(value));

    public void T(string local, DateTime utc) => T(local, Values.Format(utc, Zone));

    public void M(string local, string value) => Xml.WriteElementString("m", local, Ews.MessagesNs, value);

    public void Attr(string name, string? value)
    {
        if (value is not null)
        {
            Xml.WriteAttributeString(name, value);
        }
    }

    public void ItemId(string element, string id, long changeNumber)
    {
        StartT(element);
        Attr("Id", id);
        Attr("ChangeKey", ChangeKeys.Encode(changeNumber));
        End();
    }

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
