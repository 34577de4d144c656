//! Examples shown under each command's `--help`.

pub(crate) const PUSH: &str = "Examples:
  oras push localhost:5000/hello:v1 hi.txt                      # one file, default media type
  oras push localhost:5000/hello:v1,latest hi.txt:text/plain    # two tags, a media type
  oras push localhost:5000/hello hi.txt --format go-template='{{.digest}}'
  oras push --artifact-type application/vnd.example localhost:5000/hello:v1 dir/
  oras push --config config.json:application/vnd.example.config localhost:5000/hello:v1 hi.txt
  oras push --annotation-file annotations.json localhost:5000/hello:v1 hi.txt
  oras push --oci-layout layout:v1 hi.txt                        # into a layout directory";

pub(crate) const PULL: &str = "Examples:
  oras pull localhost:5000/hello:v1                  # into the current directory
  oras pull localhost:5000/hello:v1 -o out --format json
  oras pull --platform linux/arm64 localhost:5000/hello:v1
  oras pull --include-subject localhost:5000/hello:sig
  oras pull --oci-layout layout.tar:v1               # from a layout packed as a tar
  ORAS_CACHE=~/.oras/cache oras pull localhost:5000/hello:v1";

pub(crate) const ATTACH: &str = "Examples:
  oras attach --artifact-type doc/example localhost:5000/hello:v1 hi.txt
  oras attach --artifact-type doc/example --platform linux/amd64 localhost:5000/hello:v1 hi.txt
  oras attach --artifact-type doc/example -a key=value localhost:5000/hello:v1
  oras attach --oci-layout --artifact-type doc/example layout:v1 hi.txt";

pub(crate) const DISCOVER: &str = "Examples:
  oras discover localhost:5000/hello:v1                          # a tree
  oras discover localhost:5000/hello:v1 --format json --depth 1
  oras discover --artifact-type doc/example localhost:5000/hello:v1
  oras discover localhost:5000/hello:v1 --format go-template='{{range .referrers}}{{println .digest}}{{end}}'";

pub(crate) const COPY: &str = "Examples:
  oras cp localhost:5000/hello:v1 localhost:6000/hello:v1
  oras cp -r localhost:5000/hello:v1 localhost:6000/hello:v1,latest   # with referrers
  oras cp --platform linux/arm64 localhost:5000/hello:v1 localhost:6000/hello:arm64
  oras cp localhost:5000/hello:v1 --to-oci-layout backup:v1
  oras cp --from-oci-layout backup.tar:v1 localhost:6000/hello:v1";

pub(crate) const TAG: &str = "Examples:
  oras tag localhost:5000/hello:v1 v1.0.1 latest
  oras tag --oci-layout layout:v1 stable";

pub(crate) const RESOLVE: &str = "Examples:
  oras resolve localhost:5000/hello:v1
  oras resolve -l --platform linux/amd64 localhost:5000/hello:v1";

pub(crate) const BACKUP: &str = "Examples:
  oras backup --output hello localhost:5000/hello:v1
  oras backup --output hello.tar --include-referrers localhost:5000/hello   # every tag";

pub(crate) const RESTORE: &str = "Examples:
  oras restore --input hello.tar localhost:5000/hello
  oras restore --input hello --dry-run localhost:5000/hello:v1,v2";

pub(crate) const LOGIN: &str = "Examples:
  oras login localhost:5000                              # asks for what is missing
  echo \"$PASSWORD\" | oras login -u me --password-stdin localhost:5000
  oras login --identity-token-stdin localhost:5000 < token";
