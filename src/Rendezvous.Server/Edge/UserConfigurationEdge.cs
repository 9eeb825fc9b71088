using System.Xml.Linq;
using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Edge;

/// <summary>The user configuration operations' requests read from, and responses written as, EWS.</summary>
public static class UserConfigurationEdge
{
    private static readonly XNamespace Xsi = "http://www.w3.org/2001/XMLSchema-instance";

    /// <summary>A UserConfigurationName: its Name and its folder (FolderId or DistinguishedFolderId).</summary>
    public static (string Name, FolderRef Folder) ReadName(XElement e)
    {
        var name = ItemReader.RequiredAttribute(e, "Name");
        var folder = e.Elements().SingleOrDefault() ?? throw SoapRequest.Schema(e, "UserConfigurationName needs a folder.");
        if (folder.Name.LocalName == "AddressListId")
        {
            throw new EwsException(ResponseCodes.ErrorInvalidRequest, "A user configuration object lives in a folder, not an address list.");
        }

        return (name, ItemReader.ReadFolderRef(folder));
    }

    /// <summary>The UserConfigurationName of an operation (GetUserConfiguration, DeleteUserConfiguration).</summary>
    public static (string Name, FolderRef Folder) ReadName(EwsRequest request) =>
        ReadName(EwsRequest.Required(request.Operation, "UserConfigurationName"));

    /// <summary>The UserConfiguration of CreateUserConfiguration and UpdateUserConfiguration.</summary>
    public static UserConfiguration ReadConfiguration(EwsRequest request)
    {
        var e = EwsRequest.Required(request.Operation, "UserConfiguration");
        var (name, folder) = ReadName(e.Element(Ews.T + "UserConfigurationName") ?? throw SoapRequest.Schema(e, "UserConfiguration needs a UserConfigurationName."));
        return new UserConfiguration(name, folder)
        {
            Dictionary = e.Element(Ews.T + "Dictionary") is { } d ? [.. d.Elements(Ews.T + "DictionaryEntry").Select(ReadEntry)] : null,
            XmlData = e.Element(Ews.T + "XmlData") is { } x ? Base64(x) : null,
            BinaryData = e.Element(Ews.T + "BinaryData") is { } b ? Base64(b) : null,
        };
    }

    /// <summary>UserConfigurationProperties: a list of Id, Dictionary, XmlData, BinaryData, All.</summary>
    public static UserConfigurationParts ReadParts(EwsRequest request)
    {
        var e = EwsRequest.Required(request.Operation, "UserConfigurationProperties");
        var parts = UserConfigurationParts.None;
        foreach (var token in e.Value.Split([' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            parts |= token switch
            {
                "Id" => UserConfigurationParts.Id,
                "Dictionary" => UserConfigurationParts.Dictionary,
                "XmlData" => UserConfigurationParts.XmlData,
                "BinaryData" => UserConfigurationParts.BinaryData,
                "All" => UserConfigurationParts.All,
                _ => throw SoapRequest.Schema(e, $"The value '{Values.Excerpt(token)}' is not a valid UserConfigurationPropertyType."),
            };
        }

        return parts == UserConfigurationParts.None
            ? throw SoapRequest.Schema(e, "UserConfigurationProperties names no property.")
            : parts;
    }

    private static DictionaryEntry ReadEntry(XElement entry)
    {
        var key = entry.Element(Ews.T + "DictionaryKey") ?? throw SoapRequest.Schema(entry, "DictionaryEntry needs a DictionaryKey.");
        var value = entry.Element(Ews.T + "DictionaryValue") ?? throw SoapRequest.Schema(entry, "DictionaryEntry needs a DictionaryValue.");
        var isNil = (string?)value.Attribute(Xsi + "nil") is "true" or "1";
        return new DictionaryEntry(ReadObject(key), isNil ? null : ReadObject(value));
    }

    private static DictionaryObject ReadObject(XElement e)
    {
        var type = e.Element(Ews.T + "Type") ?? throw SoapRequest.Schema(e, $"'{e.Name.LocalName}' needs a Type.");
        if (!UserConfigurationService.ObjectTypes.Contains(type.Value))
        {
            throw SoapRequest.Schema(type, $"The value '{Values.Excerpt(type.Value)}' is not a valid UserConfigurationDictionaryObjectTypesType.");
        }

        return new DictionaryObject(type.Value, [.. e.Elements(Ews.T + "Value").Select(v => v.Value)]);
    }

    private static byte[] Base64(XElement e)
    {
        try
        {
            return Convert.FromBase64String(e.Value.Trim());
        }
        catch (FormatException)
        {
            throw SoapRequest.Schema(e, $"The value of '{e.Name.LocalName}' is not valid base64.");
        }
    }

    /// <summary>GetUserConfiguration's response: the object's parts asked for.</summary>
    public static Action<EwsWriter> Get(Outcome<UserConfiguration> outcome, UserConfigurationParts parts) =>
        EwsRequest.Respond("GetUserConfiguration", [outcome], (w, c) =>
        {
            w.StartM("UserConfiguration");
            WriteName(w, c.Name, c.Folder);
            if (parts.HasFlag(UserConfigurationParts.Id) && c.Item is { } item)
            {
                w.ItemId("ItemId", item.Id, item.ChangeNumber);
            }

            if (parts.HasFlag(UserConfigurationParts.Dictionary) && c.Dictionary is { } dictionary)
            {
                w.StartT("Dictionary");
                foreach (var entry in dictionary)
                {
                    w.StartT("DictionaryEntry");
                    WriteObject(w, "DictionaryKey", entry.Key);
                    WriteObject(w, "DictionaryValue", entry.Value);
                    w.End();
                }

                w.End();
            }

            if (parts.HasFlag(UserConfigurationParts.XmlData) && c.XmlData is { } xml)
            {
                w.T("XmlData", Convert.ToBase64String(xml));
            }

            if (parts.HasFlag(UserConfigurationParts.BinaryData) && c.BinaryData is { } binary)
            {
                w.T("BinaryData", Convert.ToBase64String(binary));
            }

            w.End();
        });

    /// <summary>The response of Create, Update or Delete: a message per object, with nothing more in it.</summary>
    public static Action<EwsWriter> Done(string operation, Outcome<bool> outcome) =>
        EwsRequest.Respond(operation, [outcome], (_, _) => { });

    private static void WriteName(EwsWriter w, string name, FolderRef folder)
    {
        w.StartT("UserConfigurationName");
        w.Attr("Name", name);
        if (folder.DistinguishedName is { } distinguished)
        {
            w.StartT("DistinguishedFolderId");
            w.Attr("Id", distinguished);
            if (folder.MailboxAddress is { } address)
            {
                w.StartT("Mailbox");
                w.T("EmailAddress", address);
                w.End();
            }

            w.End();
        }
        else
        {
            w.StartT("FolderId");
            w.Attr("Id", folder.Id);
            w.End();
        }

        w.End();
    }

    private static void WriteObject(EwsWriter w, string element, DictionaryObject? value)
    {
        w.StartT(element);
        if (value is null)
        {
            w.Xml.WriteAttributeString("xsi", "nil", Xsi.NamespaceName, "true");
        }
        else
        {
            w.T("Type", value.Type);
            foreach (var v in value.Values)
            {
                w.T("Value", v);
            }
        }

        w.End();
    }
}
