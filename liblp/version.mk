# libtool -version-info CURRENT:REVISION:AGE for liblp.  Bump rules (libtool):
#  - source changed, interface unchanged:         REVISION+1
#  - interfaces added (compatible):     CURRENT+1, REVISION=0, AGE+1
#  - interfaces removed or changed:     CURRENT+1, REVISION=0, AGE=0
LP_LT_VERSION_INFO = 0:0:0
