#!/usr/bin/env bash
# Builds the PE test fixtures into OUTDIR with mingw-w64, and signs copies with osslsigncode using a
# throw-away self-signed certificate made here with openssl. Nothing built is committed: tests run
# this at start-up and compare Palisade's results with osslsigncode and pesign on the same files.
#
#   build-fixtures.sh OUTDIR
#
# OUTDIR/
#   hello32.exe          PE32 exe (i686), with a VERSIONINFO resource, COFF symbols kept
#   hello64.exe          PE32+ exe (x86-64), with the same VERSIONINFO resource, stripped
#   lib64.dll            PE32+ DLL, with a VERSIONINFO resource, stripped
#   lib32.dll            PE32 DLL, without a VERSIONINFO resource, stripped
#   odd32.exe            hello32.exe plus 5 bytes of overlay: an unsigned file whose size % 8 != 0
#   signed-*.{exe,dll}   each of the above (but odd32.exe), signed (SHA-256, no timestamp)
#   signer.pem, signer.key, signer.der   the throw-away certificate and key
#   expected.env         what was put into the VERSIONINFO resource and the certificate subject
#
# Needs: i686-w64-mingw32-gcc, x86_64-w64-mingw32-gcc, x86_64-w64-mingw32-windres (binutils),
# osslsigncode and openssl (installed by `.ci/setup test`). Fails loudly when any is missing.
set -euo pipefail

out=${1:?usage: build-fixtures.sh OUTDIR}
mkdir -p "$out"
cd "$out"

for tool in i686-w64-mingw32-gcc x86_64-w64-mingw32-gcc i686-w64-mingw32-windres x86_64-w64-mingw32-windres \
            osslsigncode openssl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build-fixtures: $tool is missing (run .ci/setup test)" >&2; exit 3; }
done

# What the VERSIONINFO resource and the certificate carry; the tests read these back.
cat > expected.env <<'EOF'
PRODUCT_NAME=Palisade Test Suite
ORIGINAL_FILENAME=hello-original.exe
DLL_ORIGINAL_FILENAME=palisade-lib.dll
FILE_VERSION=1.2.3.4
PRODUCT_VERSION=5.6.7.8
COMPANY_NAME=Palisade Test, Ltd.
SUBJECT=/C=us/ST=Washington/L=Redmond/O=Palisade Test, Ltd./OU=Quality/CN=Palisade Throw-away Signer
APPLOCKER_PUBLISHER=O=PALISADE TEST, LTD., L=REDMOND, S=WASHINGTON, C=US
EOF

cat > hello.c <<'EOF'
#include <stdio.h>
int main(void) { puts("hello from a Palisade test fixture"); return 0; }
EOF

cat > lib.c <<'EOF'
__declspec(dllexport) int palisade_answer(void) { return 42; }
EOF

write_rc() { # $1 = OriginalFilename, $2 = file type (VFT_APP 1, VFT_DLL 2)
  cat <<EOF
#include <winver.h>
VS_VERSION_INFO VERSIONINFO
FILEVERSION 1,2,3,4
PRODUCTVERSION 5,6,7,8
FILEFLAGSMASK 0x3fL
FILEFLAGS 0x0L
FILEOS VOS_NT_WINDOWS32
FILETYPE $2
FILESUBTYPE 0x0L
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "040904b0"
    BEGIN
      VALUE "CompanyName", "Palisade Test, Ltd."
      VALUE "FileDescription", "Palisade fixture"
      VALUE "FileVersion", "1.2.3.4 (text differs on purpose)"
      VALUE "InternalName", "hello"
      VALUE "OriginalFilename", "$1"
      VALUE "ProductName", "Palisade Test Suite"
      VALUE "ProductVersion", "5.6.7.8"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x409, 1200
  END
END
EOF
}
write_rc hello-original.exe 1 > exe.rc
write_rc palisade-lib.dll 2 > dll.rc

i686-w64-mingw32-windres -F pe-i386 exe.rc -O coff -o exe32.res
x86_64-w64-mingw32-windres -F pe-x86-64 exe.rc -O coff -o exe64.res
x86_64-w64-mingw32-windres -F pe-x86-64 dll.rc -O coff -o dll64.res

i686-w64-mingw32-gcc -O2 -o hello32.exe hello.c exe32.res
x86_64-w64-mingw32-gcc -O2 -s -o hello64.exe hello.c exe64.res
x86_64-w64-mingw32-gcc -O2 -s -shared -o lib64.dll lib.c dll64.res
i686-w64-mingw32-gcc -O2 -s -shared -o lib32.dll lib.c

cp hello32.exe odd32.exe
printf 'ODD!\n' >> odd32.exe   # 5 bytes: the size is no longer a multiple of 8

# The throw-away signer: self-signed, code signing, 2048-bit RSA, valid 30 days.
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 30 -keyout signer.key -out signer.pem \
  -subj "$(grep '^SUBJECT=' expected.env | cut -d= -f2-)" \
  -addext "extendedKeyUsage=codeSigning" -addext "keyUsage=digitalSignature" 2>/dev/null
openssl x509 -in signer.pem -outform DER -out signer.der

for f in hello32.exe hello64.exe lib64.dll lib32.dll; do
  osslsigncode sign -certs signer.pem -key signer.key -h sha256 -n "Palisade fixture" \
    -in "$f" -out "signed-$f" >/dev/null
done

rm -f hello.c lib.c exe.rc dll.rc exe32.res exe64.res dll64.res
echo "build-fixtures: built into $out" >&2
