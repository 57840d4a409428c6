using Bucketfs.ObjectStore;
using Bucketfs.Testing;

namespace Bucketfs.Core.Tests.Model;

/// <summary>
/// A step run while the store fails the first call of some kinds (as a store that is briefly
/// unavailable). It may fail; if it does, the mount must show either all of it or none of it,
/// and a failed upload stays pending until an upload succeeds or the next remount stores it.
/// </summary>
internal sealed record Failing(Step Inner, StoreOperation Kinds) : Step
{
    public override bool Applies(ReferenceModel model) => Inner.Applies(model);
    public override void Update(ReferenceModel model) => Inner.Update(model);

    public override async Task RunAsync(MountDriver mount, ReferenceModel model)
    {
        mount.Store.FailNext(Kinds, StoreError.Unavailable);
        try
        {
            await Inner.RunAsync(mount, model);
        }
        finally
        {
            mount.Store.StopFailing();
        }
    }

    public override IEnumerable<string> Touched(ReferenceModel model) => Inner.Touched(model);
    public override bool Uploads(ReferenceModel model) => Inner.Uploads(model);
    public override bool Undoable => Inner.Undoable;
    public override bool Completable => Inner.Completable;
    public override string ToString() => $"{Inner} (first {Kinds} fails)";
}
