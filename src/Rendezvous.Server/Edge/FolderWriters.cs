using Rendezvous.Domain;
using Rendezvous.Edge;
using Rendezvous.Protocol;
using Rendezvous.Services;

namespace Rendezvous.Server.Edge;

/// <summary>The folder operations' responses written as EWS.</summary>
public static class FolderWriters
{
    /// <summary>One message per entry holding its folder (GetFolder, CreateFolder, UpdateFolder).</summary>
    public static Action<EwsWriter> Folders(EwsRequest request, string operation, IReadOnlyList<Outcome<Folder>> outcomes, ItemShape shape)
    {
        var context = request.WriteContext;
        return EwsRequest.Respond(operation, outcomes, (w, folder) =>
        {
            w.StartM("Folders");
            FolderWriter.Write(w, folder, shape, context);
            w.End();
        });
    }

    public static Action<EwsWriter> FindFolder(EwsRequest request, IReadOnlyList<Outcome<Page<Folder>>> outcomes, ItemShape shape)
    {
        var context = request.WriteContext;
        return EwsRequest.Respond("FindFolder", outcomes, (w, page) =>
        {
            w.StartM("RootFolder");
            PagingReader.WriteAttributes(w, page);
            w.StartT("Folders");
            foreach (var f in page.Items)
            {
                FolderWriter.Write(w, f, shape, context);
            }

            w.End();
            w.End();
        });
    }
}
