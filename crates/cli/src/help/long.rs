//! Each command's description and examples under `-h`, laid out as the Go CLI's: the
//! one-line description (with its `[Preview]` or `[Experimental]` mark), more when there
//! is more to say, then `Example - <what it does>:` blocks, each followed by the command
//! indented.

pub(crate) const PULL: &str = "Pull files from a registry or an OCI image layout

Example - Pull the files of artifact 'hello:v1' from a registry into the current directory:
  oras pull localhost:5000/hello:v1

Example - Pull into the directory 'out', and the files of the artifacts it refers to too:
  oras pull --include-subject -o out localhost:5000/hello:v1

Example - Pull from a registry with a self-signed certificate:
  oras pull --insecure localhost:5000/hello:v1

Example - Pull from a registry over plain HTTP:
  oras pull --plain-http localhost:5000/hello:v1

Example - Pull through a local cache of the content:
  export ORAS_CACHE=~/.oras/cache
  oras pull localhost:5000/hello:v1

Example - Pull the files of one platform of a multi-platform artifact:
  oras pull --platform linux/arm64 localhost:5000/hello:v1

Example - Pull with six transfers at a time:
  oras pull --concurrency 6 localhost:5000/hello:v1

Example - [Experimental] Pull and print what was pulled as JSON:
  oras pull localhost:5000/hello:v1 --format json

Example - [Experimental] Pull and print what was pulled through a Go template:
  oras pull localhost:5000/hello:v1 --format go-template='{{.reference}}'

Example - Pull from the OCI image layout directory 'layout-dir':
  oras pull --oci-layout layout-dir:v1

Example - Pull from the OCI image layout archive 'layout.tar':
  oras pull --oci-layout layout.tar:v1

Example - Pull what the layout 'layout-dir' names 'example.com:v1':
  oras pull example.com:v1 --oci-layout-path layout-dir
";

pub(crate) const PUSH: &str = "Push files to a registry or an OCI image layout

Example - Push the file 'hi.txt' as a layer of media type 'application/vnd.oci.image.layer.v1.tar' (the default):
  oras push localhost:5000/hello:v1 hi.txt

Example - Push 'hi.txt' with an artifact type, as image-spec v1.1 packs it (the default):
  oras push --artifact-type application/vnd.example+type localhost:5000/hello:v1 hi.txt

Example - Push an artifact with no files but an artifact type and an annotation:
  oras push --artifact-type config/example -a \"key=value\" localhost:5000/hello:v1

Example - Push 'hi.txt' as image-spec v1.0 would pack it:
  oras push --image-spec v1.0 localhost:5000/hello:v1 hi.txt

Example - Push 'hi.txt' with the media type 'application/vnd.me.hi':
  oras push localhost:5000/hello:v1 hi.txt:application/vnd.me.hi

Example - Push several files, each with its own media type:
  oras push localhost:5000/hello:v1 hi.txt:application/vnd.me.hi bye.txt:application/vnd.me.bye

Example - Push with a config file and its media type:
  oras push --config config.json:application/vnd.me.config localhost:5000/hello:v1 hi.txt

Example - Push and tag the manifest 'v1', 'v2' and 'latest':
  oras push localhost:5000/hello:v1,v2,latest hi.txt

Example - Push to a registry over plain HTTP:
  oras push --plain-http localhost:5000/hello:v1 hi.txt

Example - Push with annotations read from a file:
  oras push --annotation-file annotations.json localhost:5000/hello:v1 hi.txt

Example - [Experimental] Push an artifact for one platform:
  oras push --artifact-platform linux/amd64 localhost:5000/hello:v1 hi.txt

Example - Push with six uploads at a time:
  oras push --concurrency 6 localhost:5000/hello:v1 hi.txt

Example - [Experimental] Push and print the pushed manifest as JSON:
  oras push localhost:5000/hello:v1 hi.txt --format json

Example - [Experimental] Push and print its digest through a Go template:
  oras push localhost:5000/hello:v1 hi.txt --format go-template='{{.digest}}'

Example - Push into the OCI image layout directory 'layout-dir' with the tag 'v1':
  oras push --oci-layout layout-dir:v1 hi.txt

Example - Push into the layout 'layout-dir' under the name 'example.com:v1':
  oras push --oci-layout-path layout-dir example.com:v1 hi.txt
";

pub(crate) const LOGIN: &str = "Log in to a remote registry

Example - Log in with a username and password given as flags:
  oras login -u username -p password localhost:5000

Example - Log in with the password read from stdin:
  oras login -u username --password-stdin localhost:5000

Example - Log in with an identity token given as a flag:
  oras login --identity-token token localhost:5000

Example - Log in with an identity token read from stdin:
  oras login --identity-token-stdin localhost:5000

Example - Log in, asked for the username and password on the terminal:
  oras login localhost:5000

Example - Log in to a registry with a self-signed certificate, asked for what is missing:
  oras login --insecure localhost:5000
";

pub(crate) const LOGOUT: &str = "Log out from a remote registry

Example - Log out from the registry 'localhost:5000':
  oras logout localhost:5000
";

pub(crate) const VERSION: &str = "Show the oras version information

Example - Print the version:
  oras version
";

pub(crate) const DISCOVER: &str = "[Preview] Discover referrers of a manifest in a registry or an OCI image layout

** This command is in preview and under development. **

Example - Show the referrers of 'hello:v1' in registry 'localhost:5000' as a tree:
  oras discover localhost:5000/hello:v1

Example - Discover referrers through the referrers API only:
  oras discover --distribution-spec v1.1-referrers-api localhost:5000/hello:v1

Example - Discover referrers through the referrers tag schema only:
  oras discover --distribution-spec v1.1-referrers-tag localhost:5000/hello:v1

Example - Discover the referrers of one artifact type:
  oras discover --artifact-type application/vnd.example.sbom localhost:5000/hello:v1

Example - [Experimental] Show the referrers as JSON:
  oras discover localhost:5000/hello:v1 --format json

Example - [Experimental] Print each referrer's digest through a Go template:
  oras discover localhost:5000/hello:v1 --format go-template='{{range .referrers}}{{println .digest}}{{end}}'

Example - Show the direct referrers only:
  oras discover localhost:5000/hello:v1 --depth 1

Example - Discover the referrers of 'v1' in the OCI image layout directory 'layout-dir':
  oras discover --oci-layout layout-dir:v1

Example - Discover the referrers of the linux/arm64 manifest of a multi-platform artifact:
  oras discover --platform linux/arm64 localhost:5000/hello:v1
";

pub(crate) const RESOLVE: &str = "[Preview] Resolves digest of the target artifact

Example - Print the digest that 'hello:v1' names:
  oras resolve localhost:5000/hello:v1

Example - Print the full reference, with the digest, of the linux/amd64 manifest:
  oras resolve --full-reference --platform linux/amd64 localhost:5000/hello:v1
";

pub(crate) const COPY: &str = "Copy artifacts from one target to another

Example - Copy an artifact between registries:
  oras cp localhost:5000/net-monitor:v1 localhost:6000/net-monitor-copy:v1

Example - Copy from the OCI image layout directory 'layout-dir' to a registry:
  oras cp --from-oci-layout layout-dir:v1 localhost:5000/net-monitor:v1

Example - Copy from the OCI image layout archive 'layout.tar' to a registry:
  oras cp --from-oci-layout layout.tar:v1 localhost:5000/net-monitor:v1

Example - Copy from a registry into the OCI image layout directory 'layout-dir':
  oras cp --to-oci-layout localhost:5000/net-monitor:v1 layout-dir:v1

Example - Copy between two OCI image layout directories:
  oras cp --from-oci-layout --to-oci-layout layout-a:v1 layout-b:v1

Example - Copy from a registry into a layout under the name 'example.com:v1':
  oras cp --to-oci-layout-path layout-dir localhost:5000/net-monitor:v1 example.com:v1

Example - Copy an artifact and its referrers:
  oras cp -r localhost:5000/net-monitor:v1 localhost:6000/net-monitor-copy:v1

Example - Copy an artifact and its referrers, found through the referrers API only:
  oras cp -r --from-distribution-spec v1.1-referrers-api localhost:5000/net-monitor:v1 localhost:6000/net-monitor-copy:v1

Example - Copy an artifact and its referrers, found through the referrers tag schema only:
  oras cp -r --from-distribution-spec v1.1-referrers-tag localhost:5000/net-monitor:v1 localhost:6000/net-monitor-copy:v1

Example - Copy one platform of a multi-platform artifact:
  oras cp --platform linux/arm/v5 localhost:5000/net-monitor:v1 localhost:6000/net-monitor-copy:v1

Example - Copy and tag the copy 'tag1', 'tag2' and 'tag3':
  oras cp localhost:5000/net-monitor:v1 localhost:6000/net-monitor-copy:tag1,tag2,tag3

Example - Copy with six transfers at a time:
  oras cp --concurrency 6 localhost:5000/net-monitor:v1 localhost:6000/net-monitor-copy:v1
";

pub(crate) const TAG: &str = "Tag a manifest in a registry or an OCI image layout

Example - Tag the manifest 'v1.0.1' of 'localhost:5000/hello' as 'v1.0.2':
  oras tag localhost:5000/hello:v1.0.1 v1.0.2

Example - Tag the manifest of a digest as 'v1.0.1':
  oras tag localhost:5000/hello@sha256:9463e0d192846bc994279417b50114606712d516aab45f4d8b31cbc6e46aad71 v1.0.1

Example - Tag one manifest with several tags:
  oras tag localhost:5000/hello:v1.0.1 v1.0.2 latest

Example - Tag with one tag written at a time:
  oras tag --concurrency 1 localhost:5000/hello:v1.0.1 v1.0.2 latest

Example - Tag 'v1.0.1' as 'v1.0.2' in the OCI image layout directory 'layout-dir':
  oras tag --oci-layout layout-dir:v1.0.1 v1.0.2
";

pub(crate) const ATTACH: &str = "Attach files to an existing artifact

Example - Attach 'hi.txt' with the artifact type 'doc/example' to 'hello:v1' in registry 'localhost:5000':
  oras attach --artifact-type doc/example localhost:5000/hello:v1 hi.txt

Example - Attach through the referrers API only:
  oras attach --artifact-type doc/example --distribution-spec v1.1-referrers-api localhost:5000/hello:v1 hi.txt

Example - Attach through the referrers tag schema only:
  oras attach --artifact-type doc/example --distribution-spec v1.1-referrers-tag localhost:5000/hello:v1 hi.txt

Example - Attach 'hi.txt' with its own media type:
  oras attach --artifact-type doc/example localhost:5000/hello:v1 hi.txt:application/vnd.me.hi

Example - Attach an artifact with no files but an annotation:
  oras attach --artifact-type doc/example --annotation \"key=value\" localhost:5000/hello:v1

Example - Attach with annotations read from a file:
  oras attach --artifact-type doc/example --annotation-file annotation.json localhost:5000/hello:v1 hi.txt

Example - Attach several files, each with its own media type:
  oras attach --artifact-type doc/example localhost:5000/hello:v1 hi.txt:application/vnd.me.hi bye.txt:application/vnd.me.bye

Example - Attach to the linux/amd64 manifest of a multi-platform artifact:
  oras attach --artifact-type doc/example --platform linux/amd64 localhost:5000/hello:v1 hi.txt

Example - Attach to 'v1' in the OCI image layout directory 'layout-dir':
  oras attach --oci-layout --artifact-type doc/example layout-dir:v1 hi.txt

Example - [Experimental] Attach and print the attached manifest as JSON:
  oras attach --artifact-type doc/example localhost:5000/hello:v1 hi.txt --format json

Example - [Experimental] Attach and print its digest through a Go template:
  oras attach --artifact-type doc/example localhost:5000/hello:v1 hi.txt --format go-template='{{.digest}}'
";

pub(crate) const BACKUP: &str = "[Experimental] Back up artifacts from a registry into an OCI image layout, saved either as a directory or a tar archive.
The output is a tar archive when its path ends with \".tar\", otherwise a directory.

Example - Back up the artifact 'hello:v1' into the directory 'hello':
  oras backup --output hello localhost:5000/hello:v1

Example - Back up into the tar archive 'hello.tar':
  oras backup --output hello.tar localhost:5000/hello:v1

Example - Back up an artifact with its referrers (signatures, SBOMs):
  oras backup --output hello --include-referrers localhost:5000/hello:v1

Example - Back up several tags:
  oras backup --output hello localhost:5000/hello:v1,v2,v3

Example - Back up every tag of a repository:
  oras backup --output hello localhost:5000/hello

Example - Find referrers through the referrers API only:
  oras backup --output hello --include-referrers --distribution-spec v1.1-referrers-api localhost:5000/hello:v1

Example - Find referrers through the referrers tag schema only:
  oras backup --output hello --include-referrers --distribution-spec v1.1-referrers-tag localhost:5000/hello:v1

Example - Back up from a registry with a self-signed certificate:
  oras backup --output hello --insecure localhost:5000/hello:v1

Example - Back up from a registry over plain HTTP:
  oras backup --output hello --plain-http localhost:5000/hello:v1

Example - Back up with six transfers at a time:
  oras backup --output hello --concurrency 6 localhost:5000/hello:v1
";

pub(crate) const RESTORE: &str = "[Experimental] Restore artifacts to a registry from an OCI image layout, read either from a directory or a tar archive.

Example - Restore the artifact 'v1' from the tar archive 'hello.tar':
  oras restore --input hello.tar localhost:5000/hello:v1

Example - Restore from the directory 'hello':
  oras restore --input hello localhost:5000/hello:v1

Example - Restore several tags:
  oras restore --input hello.tar localhost:5000/hello:v1,v2,v3

Example - Restore every tag of the layout:
  oras restore --input hello.tar localhost:5000/hello

Example - Restore without the referrers:
  oras restore --input hello.tar --exclude-referrers localhost:5000/hello:v1

Example - See what would be restored, uploading nothing:
  oras restore --input hello.tar --dry-run localhost:5000/hello:v1

Example - Restore to a registry with a self-signed certificate:
  oras restore --input hello.tar --insecure localhost:5000/hello:v1

Example - Restore to a registry over plain HTTP:
  oras restore --input hello.tar --plain-http localhost:5000/hello:v1

Example - Restore with six uploads at a time:
  oras restore --input hello.tar --concurrency 6 localhost:5000/hello:v1
";

pub(crate) const BLOB_FETCH: &str = "Fetch a blob from a registry or an OCI image layout

Example - Fetch a blob into the file 'blob.tar.gz':
  oras blob fetch --output blob.tar.gz localhost:5000/hello@sha256:9a201d228ebd966211f7d1131be19f152be428bd373a92071c71d8deaf83b3a5

Example - Fetch a blob to stdout:
  oras blob fetch --output - localhost:5000/hello@sha256:9a201d228ebd966211f7d1131be19f152be428bd373a92071c71d8deaf83b3a5

Example - Print the descriptor of a blob:
  oras blob fetch --descriptor localhost:5000/hello@sha256:9a201d228ebd966211f7d1131be19f152be428bd373a92071c71d8deaf83b3a5

Example - Fetch a blob into a file and print its descriptor:
  oras blob fetch --descriptor --output blob.tar.gz localhost:5000/hello@sha256:9a201d228ebd966211f7d1131be19f152be428bd373a92071c71d8deaf83b3a5

Example - Fetch a blob from the OCI image layout directory 'layout-dir':
  oras blob fetch --oci-layout --output blob.tar.gz layout-dir@sha256:9a201d228ebd966211f7d1131be19f152be428bd373a92071c71d8deaf83b3a5
";

pub(crate) const BLOB_PUSH: &str = "Push a blob to a registry or an OCI image layout

Example - Push the file 'hi.txt' as a blob:
  oras blob push localhost:5000/hello hi.txt

Example - Push a blob read from stdin, its size given:
  oras blob push --size 12 localhost:5000/hello@sha256:9a201d228ebd966211f7d1131be19f152be428bd373a92071c71d8deaf83b3a5 -

Example - Push a blob and print its descriptor:
  oras blob push --descriptor localhost:5000/hello hi.txt

Example - Push a blob and print its descriptor with a media type of your choice:
  oras blob push --descriptor --media-type application/vnd.me.hi localhost:5000/hello hi.txt

Example - Push a blob, checking that it has the digest given:
  oras blob push localhost:5000/hello@sha256:9a201d228ebd966211f7d1131be19f152be428bd373a92071c71d8deaf83b3a5 hi.txt

Example - Push a blob into the OCI image layout directory 'layout-dir':
  oras blob push --oci-layout layout-dir hi.txt
";

pub(crate) const BLOB_DELETE: &str = "Delete a blob from a remote registry

Example - Delete a blob, asked to confirm:
  oras blob delete localhost:5000/hello@sha256:9463e0d192846bc994279417b50114606712d516aab45f4d8b31cbc6e46aad71

Example - Delete a blob without being asked:
  oras blob delete --force localhost:5000/hello@sha256:9463e0d192846bc994279417b50114606712d516aab45f4d8b31cbc6e46aad71

Example - Delete a blob and print its descriptor:
  oras blob delete --descriptor --force localhost:5000/hello@sha256:9463e0d192846bc994279417b50114606712d516aab45f4d8b31cbc6e46aad71
";

pub(crate) const MANIFEST_FETCH: &str = "Fetch manifest of the target artifact

Example - Fetch a manifest from a registry as it is stored:
  oras manifest fetch localhost:5000/hello:v1

Example - [Experimental] Fetch a manifest and print it indented:
  oras manifest fetch --format json localhost:5000/hello:v1

Example - [Experimental] Fetch a manifest and print its size and digest through a Go template:
  oras manifest fetch --format go-template='{{.size}} {{.digest}}' localhost:5000/hello:v1

Example - Fetch the descriptor of a manifest:
  oras manifest fetch --descriptor localhost:5000/hello:v1

Example - Fetch the linux/amd64 manifest of a multi-platform artifact:
  oras manifest fetch --platform linux/amd64 localhost:5000/hello:v1

Example - Fetch a manifest of one of the media types given:
  oras manifest fetch --media-type 'application/vnd.oci.image.manifest.v1+json' localhost:5000/hello:v1

Example - Fetch a manifest into the file 'manifest.json':
  oras manifest fetch --output manifest.json localhost:5000/hello:v1

Example - Fetch a manifest into a file and print its descriptor:
  oras manifest fetch --output manifest.json --descriptor localhost:5000/hello:v1

Example - Fetch the manifest 'v1' from the OCI image layout directory 'layout-dir':
  oras manifest fetch --oci-layout layout-dir:v1
";

pub(crate) const MANIFEST_FETCH_CONFIG: &str =
    "Fetch the config of a manifest from a registry or an OCI image layout

Example - Fetch the config of a manifest:
  oras manifest fetch-config localhost:5000/hello:v1

Example - Fetch the config into the file 'config.json':
  oras manifest fetch-config --output config.json localhost:5000/hello:v1

Example - Fetch the config and print its descriptor:
  oras manifest fetch-config --descriptor localhost:5000/hello:v1

Example - Fetch the config of the linux/amd64 manifest of a multi-platform artifact:
  oras manifest fetch-config --platform linux/amd64 localhost:5000/hello:v1

Example - Fetch the config of 'v1' from the OCI image layout directory 'layout-dir':
  oras manifest fetch-config --oci-layout layout-dir:v1
";

pub(crate) const MANIFEST_PUSH: &str = "Push a manifest to a registry or an OCI image layout

Example - Push the manifest in 'manifest.json' to 'localhost:5000/hello' and tag it 'v1':
  oras manifest push localhost:5000/hello:v1 manifest.json

Example - Push a manifest read from stdin:
  oras manifest push localhost:5000/hello:v1 -

Example - Push a manifest of a media type of your choice:
  oras manifest push --media-type application/vnd.docker.distribution.manifest.v2+json localhost:5000/hello:v1 manifest.json

Example - Push a manifest and tag it 'tag1', 'tag2' and 'tag3':
  oras manifest push localhost:5000/hello:tag1,tag2,tag3 manifest.json

Example - Push a manifest without a tag:
  oras manifest push localhost:5000/hello manifest.json

Example - Push a manifest and print its descriptor:
  oras manifest push --descriptor localhost:5000/hello:v1 manifest.json

Example - Push a manifest into the OCI image layout directory 'layout-dir' as 'v1':
  oras manifest push --oci-layout layout-dir:v1 manifest.json
";

pub(crate) const MANIFEST_DELETE: &str = "Delete a manifest from remote registry

Example - Delete the manifest tagged 'v1' from 'localhost:5000/hello', asked to confirm:
  oras manifest delete localhost:5000/hello:v1

Example - Delete a manifest without being asked:
  oras manifest delete --force localhost:5000/hello:v1

Example - Delete a manifest and print its descriptor:
  oras manifest delete --descriptor --force localhost:5000/hello:v1

Example - Delete the manifest of a digest:
  oras manifest delete localhost:5000/hello@sha256:99e4703fbf30916f549cd6bfa9cdbab614b5392fbe64b6de3e9c6df4c5b3ab2d
";

pub(crate) const INDEX_CREATE: &str = "[Experimental] Create and push an index from provided manifests. All manifests should be in the same repository

Example - Create an index of the manifests tagged 'linux-amd64' and 'linux-arm64', pushed without a tag:
  oras manifest index create localhost:5000/hello linux-amd64 linux-arm64

Example - Create an index of the manifests of two digests:
  oras manifest index create localhost:5000/hello sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb sha256:3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d

Example - Create an index and tag it 'v1':
  oras manifest index create localhost:5000/hello:v1 linux-amd64 linux-arm64

Example - Create an index and tag it 'v1', 'v2' and 'v3':
  oras manifest index create localhost:5000/hello:v1,v2,v3 linux-amd64 linux-arm64

Example - Create an index with annotations:
  oras manifest index create localhost:5000/hello:v1 linux-amd64 --annotation \"key=val\"

Example - Create an index with an artifact type:
  oras manifest index create localhost:5000/hello:v1 linux-amd64 --artifact-type application/vnd.example+type

Example - Create an index and write it to the file 'index.json':
  oras manifest index create localhost:5000/hello linux-amd64 --output index.json

Example - Create an index in the OCI image layout directory 'layout-dir':
  oras manifest index create --oci-layout layout-dir:v1 linux-amd64 linux-arm64
";

pub(crate) const INDEX_UPDATE: &str = "[Experimental] Update and push an image index. All manifests should be in the same repository

Example - Remove a manifest from the index tagged 'v1' and add two; the tag moves to the new index:
  oras manifest index update localhost:5000/hello:v1 --add linux-amd64 --add linux-arm64 --remove sha256:99e4703fbf30916f549cd6bfa9cdbab614b5392fbe64b6de3e9c6df4c5b3ab2d

Example - Merge the manifests of two indexes into the index tagged 'v1':
  oras manifest index update localhost:5000/hello:v1 --merge v2 --merge v3

Example - Update the index of a digest and tag the result 'v1':
  oras manifest index update localhost:5000/hello@sha256:99e4703fbf30916f549cd6bfa9cdbab614b5392fbe64b6de3e9c6df4c5b3ab2d --add linux-amd64 --tag v1

Example - Update an index and write the result to the file 'updated.json':
  oras manifest index update localhost:5000/hello:v1 --add linux-amd64 --output updated.json

Example - Update an index in the OCI image layout directory 'layout-dir':
  oras manifest index update --oci-layout layout-dir:v1 --add linux-amd64
";

pub(crate) const REPO_LS: &str = "List the repositories under the registry

Example - List the repositories of a registry:
  oras repo ls localhost:5000

Example - List the repositories under a namespace of a registry:
  oras repo ls localhost:5000/example-namespace

Example - List the repositories of a registry over plain HTTP:
  oras repo ls --plain-http localhost:5000

Example - List the repositories after the one named 'last_repo', in order:
  oras repo ls --last \"last_repo\" localhost:5000

Example - [Experimental] List the repositories as JSON:
  oras repo ls localhost:5000 --format json

Example - [Experimental] List the repositories through a Go template:
  oras repo ls localhost:5000 --format go-template='{{.repositories}}'
";

pub(crate) const REPO_TAGS: &str = "Show tags of the target repository

Example - Show the tags of a repository:
  oras repo tags localhost:5000/hello

Example - Show the tags of a repository over plain HTTP:
  oras repo tags --plain-http localhost:5000/hello

Example - Show the tags after the one named 'last_tag', in order:
  oras repo tags --last \"last_tag\" localhost:5000/hello

Example - [Experimental] Show the tags that name the same manifest as 'v1':
  oras repo tags localhost:5000/hello:v1

Example - Show the tags of the OCI image layout directory 'layout-dir':
  oras repo tags --oci-layout layout-dir

Example - Show the tags that the layout 'layout-dir' holds under 'example.com/foo':
  oras repo tags --oci-layout-path layout-dir example.com/foo

Example - [Preview] Show the tags, without those made from digests:
  oras repo tags --exclude-digest-tags localhost:5000/hello

Example - [Experimental] Show the tags as JSON:
  oras repo tags localhost:5000/hello --format json

Example - [Experimental] Show the tags through a Go template:
  oras repo tags localhost:5000/hello --format go-template='{{.tags}}'
";

pub(crate) const COMPLETION: &str =
    "Generate the autocompletion script for oras for the specified shell

Example - Load completions in the current bash session:
  source <(oras completion bash)
";

pub(crate) const HELP: &str = "Help provides help for any command in the application.
Simply type oras help [path to command] for full details.";
