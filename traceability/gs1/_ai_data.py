"""The project's GS1 Application Identifier table, in a compact line format.

Content follows the GS1 General Specifications and the GS1 Barcode Syntax Dictionary
(Apache-2.0, GS1 AISBL); the layout, the decimal-place and unit annotations are ours.

Line syntax::

    AI[-AI]  [flags]  component...  [key=value...]  # title

* ``AI-AI``       an inclusive range of AIs sharing one definition.
* flags           ``*`` predefined length (no FNC1 separator needed after it),
                  ``?`` may be a GS1 Digital Link query-string data attribute.
* component       ``N`` numeric, ``X`` GS1 AI encodable character set 82, ``Y`` character set 39,
                  ``Z`` character set 64 (base64url); ``N6`` fixed length, ``X..20`` 1 to 20,
                  then ``,linter`` names; ``[...]`` marks an optional trailing component.
* ``req=a,b+c``   one requirement: any alternative must be present (``+`` joins AIs that must
                  all be present); repeated ``req=`` keys must all hold.
* ``ex=a,b``      AIs that must not occur together with this one (``n`` matches any digit).
* ``dlpkey``      GS1 Digital Link primary key, ``dlpkey=22,10,21|235`` with its ordered
                  qualifier sequences.
* ``dp``          the last digit of the AI is the number of implied decimal places.
* ``unit=kg``     unit of measure of the value.
* In a range's title ``{n}`` is the AI's last digit and ``{n1}`` that digit plus one.
"""

AI_TABLE_TEXT = r"""
00        *? N18,csum,gcppos2               dlpkey                                  # SSCC
01        *? N14,csum,gcppos2               ex=255,37 dlpkey=22,10,21|235           # GTIN
02        *? N14,csum,gcppos2               req=37 ex=01,03                         # CONTENT
03        *  N14,csum,gcppos2               ex=01,02,37                             # MTO GTIN
10         ? X..20                          req=01,02,03,8006,8026                  # BATCH/LOT
11        *? N6,yymmd0                      req=01,02,03,8006,8026                  # PROD DATE
12        *? N6,yymmd0                      req=8020                                # DUE DATE
13        *? N6,yymmd0                      req=01,02,03,8006,8026                  # PACK DATE
15        *? N6,yymmd0                      req=01,02,03,8006,8026                  # BEST BEFORE or BEST BY
16        *? N6,yymmd0                      req=01,02,03,8006,8026                  # SELL BY
17        *? N6,yymmd0                      req=01,02,03,255,8006,8026              # USE BY or EXPIRY
20        *? N2                             req=01,02,8006,8026                     # VARIANT
21           X..20                          req=01,03,8006 ex=235                   # SERIAL
22           X..20                          req=01                                  # CPV
235          X..28                          req=01                                  # TPX
240        ? X..30                          req=01,02,8006,8026                     # ADDITIONAL ID
241        ? X..30                          req=01,02,8006,8026                     # CUST. PART No.
242        ? N..6                           req=01,02,8006,8026                     # MTO VARIANT
243        ? X..20                          req=01                                  # PCN
250        ? X..30                          req=01,8006 req=21                      # SECONDARY SERIAL
251        ? X..30                          req=01,8006                             # REF. TO SOURCE
253        ? N13,csum,gcppos1 [X..17]       dlpkey                                  # GDTI
254          X..20                          req=414                                 # GLN EXTENSION COMPONENT
255        ? N13,csum,gcppos1 [N..12]       ex=01,02,415,8006,8020,8026 dlpkey      # GCN
30         ? N..8                           req=01,02                               # VAR. COUNT
3100-3105 *? N6   req=01,02 ex=310n dp unit=kg                                      # NET WEIGHT (kg)
3110-3115 *? N6   req=01,02 ex=311n dp unit=m                                       # LENGTH (m)
3120-3125 *? N6   req=01,02 ex=312n dp unit=m                                       # WIDTH (m)
3130-3135 *? N6   req=01,02 ex=313n dp unit=m                                       # HEIGHT (m)
3140-3145 *? N6   req=01,02 ex=314n dp unit=m2                                      # AREA (m²)
3150-3155 *? N6   req=01,02 ex=315n dp unit=l                                       # NET VOLUME (l)
3160-3165 *? N6   req=01,02 ex=316n dp unit=m3                                      # NET VOLUME (m³)
3200-3205 *? N6   req=01,02 ex=320n dp unit=lb                                      # NET WEIGHT (lb)
3210-3215 *? N6   req=01,02 ex=321n dp unit=in                                      # LENGTH (in)
3220-3225 *? N6   req=01,02 ex=322n dp unit=ft                                      # LENGTH (ft)
3230-3235 *? N6   req=01,02 ex=323n dp unit=yd                                      # LENGTH (yd)
3240-3245 *? N6   req=01,02 ex=324n dp unit=in                                      # WIDTH (in)
3250-3255 *? N6   req=01,02 ex=325n dp unit=ft                                      # WIDTH (ft)
3260-3265 *? N6   req=01,02 ex=326n dp unit=yd                                      # WIDTH (yd)
3270-3275 *? N6   req=01,02 ex=327n dp unit=in                                      # HEIGHT (in)
3280-3285 *? N6   req=01,02 ex=328n dp unit=ft                                      # HEIGHT (ft)
3290-3295 *? N6   req=01,02 ex=329n dp unit=yd                                      # HEIGHT (yd)
3300-3305 *? N6   req=00,01 ex=330n dp unit=kg                                      # GROSS WEIGHT (kg)
3310-3315 *? N6   req=00,01 ex=331n dp unit=m                                       # LENGTH (m), log
3320-3325 *? N6   req=00,01 ex=332n dp unit=m                                       # WIDTH (m), log
3330-3335 *? N6   req=00,01 ex=333n dp unit=m                                       # HEIGHT (m), log
3340-3345 *? N6   req=00,01 ex=334n dp unit=m2                                      # AREA (m²), log
3350-3355 *? N6   req=00,01 ex=335n dp unit=l                                       # VOLUME (l), log
3360-3365 *? N6   req=00,01 ex=336n dp unit=m3                                      # VOLUME (m³), log
3370-3375 *? N6   req=01 ex=337n dp unit=kg/m2                                      # KG PER m²
3400-3405 *? N6   req=00,01 ex=340n dp unit=lb                                      # GROSS WEIGHT (lb)
3410-3415 *? N6   req=00,01 ex=341n dp unit=in                                      # LENGTH (in), log
3420-3425 *? N6   req=00,01 ex=342n dp unit=ft                                      # LENGTH (ft), log
3430-3435 *? N6   req=00,01 ex=343n dp unit=yd                                      # LENGTH (yd), log
3440-3445 *? N6   req=00,01 ex=344n dp unit=in                                      # WIDTH (in), log
3450-3455 *? N6   req=00,01 ex=345n dp unit=ft                                      # WIDTH (ft), log
3460-3465 *? N6   req=00,01 ex=346n dp unit=yd                                      # WIDTH (yd), log
3470-3475 *? N6   req=00,01 ex=347n dp unit=in                                      # HEIGHT (in), log
3480-3485 *? N6   req=00,01 ex=348n dp unit=ft                                      # HEIGHT (ft), log
3490-3495 *? N6   req=00,01 ex=349n dp unit=yd                                      # HEIGHT (yd), log
3500-3505 *? N6   req=01,02 ex=350n dp unit=in2                                     # AREA (in²)
3510-3515 *? N6   req=01,02 ex=351n dp unit=ft2                                     # AREA (ft²)
3520-3525 *? N6   req=01,02 ex=352n dp unit=yd2                                     # AREA (yd²)
3530-3535 *? N6   req=00,01 ex=353n dp unit=in2                                     # AREA (in²), log
3540-3545 *? N6   req=00,01 ex=354n dp unit=ft2                                     # AREA (ft²), log
3550-3555 *? N6   req=00,01 ex=355n dp unit=yd2                                     # AREA (yd²), log
3560-3565 *? N6   req=01,02 ex=356n dp unit=t_oz                                    # NET WEIGHT (tr oz)
3570-3575 *? N6   req=01,02 ex=357n dp unit=oz                                      # NET VOLUME (oz)
3600-3605 *? N6   req=01,02 ex=360n dp unit=qt                                      # NET VOLUME (qt (US))
3610-3615 *? N6   req=01,02 ex=361n dp unit=gal                                     # NET VOLUME (gal.)
3620-3625 *? N6   req=00,01 ex=362n dp unit=qt                                      # VOLUME (qt (US)), log
3630-3635 *? N6   req=00,01 ex=363n dp unit=gal                                     # VOLUME (gal (US)), log
3640-3645 *? N6   req=01,02 ex=364n dp unit=in3                                     # NET VOLUME (in³)
3650-3655 *? N6   req=01,02 ex=365n dp unit=ft3                                     # NET VOLUME (ft³)
3660-3665 *? N6   req=01,02 ex=366n dp unit=yd3                                     # NET VOLUME (yd³)
3670-3675 *? N6   req=00,01 ex=367n dp unit=in3                                     # VOLUME (in³), log
3680-3685 *? N6   req=00,01 ex=368n dp unit=ft3                                     # VOLUME (ft³), log
3690-3695 *? N6   req=00,01 ex=369n dp unit=yd3                                     # VOLUME (yd³), log
37         ? N..8                           req=00 req=02,8026                      # COUNT
3900-3909  ? N..15        req=255,8020 ex=390n,391n,394n,8111 dp                    # AMOUNT
3910-3919  ? N3,iso4217 N..15               req=8020 ex=391n dp                     # AMOUNT
3920-3929  ? N..15        req=01 req=30,31nn,32nn,35nn,36nn ex=392n,393n dp         # PRICE
3930-3939  ? N3,iso4217 N..15 req=30,31nn,32nn,35nn,36nn ex=393n dp                 # PRICE
3940-3943  ? N4                             req=255 ex=394n,8111 dp                 # PRCNT OFF
3950-3955  ? N6      req=30,31nn,32nn,35nn,36nn ex=392n,393n,395n,8005 dp           # PRICE/UoM
400        ? X..30                                                                  # ORDER NUMBER
401        ? X..30,gcppos1                  dlpkey                                  # GINC
402        ? N17,csum,gcppos1               dlpkey                                  # GSIN
403        ? X..30                          req=00                                  # ROUTE
410       *? N13,csum,gcppos1                                                       # SHIP TO LOC
411       *? N13,csum,gcppos1                                                       # BILL TO
412       *? N13,csum,gcppos1                                                       # PURCHASE FROM
413       *? N13,csum,gcppos1                                                       # SHIP FOR LOC
414       *? N13,csum,gcppos1               dlpkey=254|7040                         # LOC No.
415       *? N13,csum,gcppos1               req=8020 dlpkey=8020                    # PAY TO
416       *? N13,csum,gcppos1                                                       # PROD/SERV LOC
417       *? N13,csum,gcppos1               dlpkey=7040                             # PARTY
420        ? X..20                          ex=421                                  # SHIP TO POST
421        ? N3,iso3166 X..9                ex=4307                                 # SHIP TO POST
422        ? N3,iso3166                     req=01,02,8006,8026 ex=426              # ORIGIN
423        ? N3,iso3166 [N3,iso3166] [N3,iso3166] [N3,iso3166] [N3,iso3166] req=01,02 ex=426 # COUNTRY - INITIAL PROCESS
424        ? N3,iso3166                     req=01,02 ex=426                        # COUNTRY - PROCESS
425        ? N3,iso3166 [N3,iso3166] [N3,iso3166] [N3,iso3166] [N3,iso3166] req=01,02 ex=426 # COUNTRY - DISASSEMBLY
426        ? N3,iso3166                     req=01,02                               # COUNTRY - FULL PROCESS
427        ? X..3                           req=01,02 req=422                       # ORIGIN SUBDIVISION
4300       ? X..35,pcenc                    req=00                                  # SHIP TO COMP
4301       ? X..35,pcenc                    req=00                                  # SHIP TO NAME
4302       ? X..70,pcenc                    req=00                                  # SHIP TO ADD1
4303       ? X..70,pcenc                    req=4302                                # SHIP TO ADD2
4304       ? X..70,pcenc                    req=00                                  # SHIP TO SUB
4305       ? X..70,pcenc                    req=00                                  # SHIP TO LOC
4306       ? X..70,pcenc                    req=00                                  # SHIP TO REG
4307       ? X2,iso3166alpha2               req=00                                  # SHIP TO COUNTRY
4308       ? X..30                          req=00                                  # SHIP TO PHONE
4309       ? N10,latitude N10,longitude     req=00                                  # SHIP TO GEO
4310       ? X..35,pcenc                    req=00                                  # RTN TO COMP
4311       ? X..35,pcenc                    req=00                                  # RTN TO NAME
4312       ? X..70,pcenc                    req=00                                  # RTN TO ADD1
4313       ? X..70,pcenc                    req=4312                                # RTN TO ADD2
4314       ? X..70,pcenc                    req=00                                  # RTN TO SUB
4315       ? X..70,pcenc                    req=00                                  # RTN TO LOC
4316       ? X..70,pcenc                    req=00                                  # RTN TO REG
4317       ? X2,iso3166alpha2               req=00                                  # RTN TO COUNTRY
4318       ? X..20                          req=00                                  # RTN TO POST
4319       ? X..30                          req=00                                  # RTN TO PHONE
4320       ? X..35,pcenc                    req=00                                  # SRV DESCRIPTION
4321       ? N1,yesno                       req=00                                  # DANGEROUS GOODS
4322       ? N1,yesno                       req=00                                  # AUTH TO LEAVE
4323       ? N1,yesno                       req=00                                  # SIG REQUIRED
4324       ? N6,yymmd0 N4,hhmi              req=00                                  # NOT BEF DEL DT
4325       ? N6,yymmd0 N4,hhmi              req=00                                  # NOT AFT DEL DT
4326       ? N6,yymmdd                      req=00                                  # REL DATE
4330       ? N6 [X1,hyphen]                 req=00 ex=4331                          # MAX TEMP F.
4331       ? N6 [X1,hyphen]                 req=00 ex=4330                          # MAX TEMP C.
4332       ? N6 [X1,hyphen]                 req=00 ex=4333                          # MIN TEMP F.
4333       ? N6 [X1,hyphen]                 req=00 ex=4332                          # MIN TEMP C.
7001       ? N13                            req=01,02,8006,8026                     # NSN
7002       ? X..30                          req=01,02                               # MEAT CUT
7003       ? N6,yymmdd N4,hhmi              req=01,02                               # EXPIRY TIME
7004       ? N..4                           req=01+10                               # ACTIVE POTENCY
7005       ? X..12                          req=01,02                               # CATCH AREA
7006       ? N6,yymmdd                      req=01,02                               # FIRST FREEZE DATE
7007       ? N6,yymmdd [N6,yymmdd]          req=01,02                               # HARVEST DATE
7008       ? X..3                           req=01,02                               # AQUATIC SPECIES
7009       ? X..10                          req=01,02                               # FISHING GEAR TYPE
7010       ? X..2                           req=01,02                               # PROD METHOD
7011       ? N6,yymmdd [N4,hhmi]            req=01,02                               # TEST BY DATE
7020       ? X..20                          req=01,8006 req=416                     # REFURB LOT
7021       ? X..20                          req=01,8006                             # FUNC STAT
7022       ? X..20                          req=7021                                # REV STAT
7023       ? X..30,gcppos1                                                          # GIAI - ASSEMBLY
7030-7039  ? N3,iso3166999 X..27            req=01,02                               # PROCESSOR # {n}
7040         N1 X1 X1 X1,importeridx                                                # UIC+EXT
7041         X..4,packagetype               req=00                                  # UFRGT UNIT TYPE
710        ? X..20                          req=01                                  # NHRN PZN
711        ? X..20                          req=01                                  # NHRN CIP
712        ? X..20                          req=01                                  # NHRN CN
713        ? X..20                          req=01                                  # NHRN DRN
714        ? X..20                          req=01                                  # NHRN AIM
715        ? X..20                          req=01                                  # NHRN NDC
716        ? X..20                          req=01                                  # NHRN AIC
717        ? X..20                          req=01                                  # NHRN SRN
7230-7239  ? X2 X..28                       req=01,8004                             # CERT # {n1}
7240       ? X..20                          req=01,8006                             # PROTOCOL
7241       ? N2,mediatype                   req=8017,8018                           # AIDC MEDIA TYPE
7242       ? X..25                          req=8017,8018                           # VCN
7250       ? N8,yyyymmdd                    req=8018 ex=7251                        # DOB
7251       ? N8,yyyymmdd N4,hhmi            req=8018 ex=7250                        # DOB TIME
7252       ? N1,iso5218                     req=8018                                # BIO SEX
7253       ? X..40,pcenc                    req=8017,8018 ex=7256,7259              # FAMILY NAME
7254       ? X..40,pcenc                    req=8017,8018 ex=7256,7259              # GIVEN NAME
7255       ? X..10                          req=8017,8018 ex=7256,7259              # SUFFIX
7256       ? X..90,pcenc                    req=8017,8018                           # FULL NAME
7257       ? X..70,pcenc                    req=8018                                # PERSON ADDR
7258       ? X3,posinseqslash               req=8018+7259                           # BIRTH SEQUENCE
7259       ? X..40,pcenc                    req=8018 ex=7256                        # BABY
8001       ? N4,nonzero N5,nonzero N3,nonzero N1,winding N1 req=01                  # DIMENSIONS
8002       ? X..20                                                                  # CMT No.
8003       ? N1,zero N13,csum,gcppos1 [X..16] dlpkey                                # GRAI
8004       ? X..30,gcppos1                  dlpkey=7040                             # GIAI
8005       ? N6                             req=01,02                               # PRICE PER UNIT
8006       ? N14,csum,gcppos2 N4,pieceoftotal ex=01,37 dlpkey=22,10,21              # ITIP
8007       ? X..34,iban                     req=415                                 # IBAN
8008       ? N6,yymmdd N2,hh [N2,mi] [N2,ss] req=01,02                              # PROD TIME
8009       ? X..50                          req=00,01                               # OPTSEN
8010       ? Y..30,gcppos1                  dlpkey=8011                             # CPID
8011         N..12,nozeroprefix             req=8010                                # CPID SERIAL
8012       ? X..20                          req=01,8006                             # VERSION
8013       ? X..25,csumalpha,gcppos1        dlpkey                                  # GMN
8014         X..25,csumalpha,gcppos1,hasnondigit req=01                             # MUDI
8017       ? N18,csum,gcppos1               ex=8018 dlpkey=8019                     # GSRN - PROVIDER
8018       ? N18,csum,gcppos1               ex=8017 dlpkey=8019                     # GSRN - RECIPIENT
8019         N..10                          req=8017,8018                           # SRIN
8020         X..25                          req=415                                 # REF No.
8026       ? N14,csum,gcppos2 N4,pieceoftotal req=37 ex=02,8006                     # ITIP CONTENT
8030       ? Z..90  req=00,01+21,253,255,8003,8004,8006+21,8010+8011,8017,8018      # DIGSIG
8040         N15                            req=01+21                               # IMEI
8041         N15                            req=01+21+8040                          # IMEI2
8042         N32                            req=01+21+8040                          # ESIM
8043         N18 [N..2]                     req=01+21+8040                          # PSIM
8110       ? X..70,couponcode                                                       #
8111       ? N4                             req=255                                 # POINTS
8112       ? X..70,couponposoffer                                                   #
8200         X..70                          req=01                                  # PRODUCT URL
90         ? X..30                                                                  # INTERNAL
91-99      ? X..90                                                                  # INTERNAL
"""  # noqa: E501 (a data table: one AI definition per line)

# Longer English names and Vietnamese names for the AIs people see most often in this
# service (used by HRI screens; the short data titles above stay the canonical labels).
AI_NAMES = {
    "00": ("Serial Shipping Container Code (SSCC)", "Mã côngtenơ vận chuyển theo seri (SSCC)"),
    "01": ("Global Trade Item Number (GTIN)", "Mã số thương phẩm toàn cầu (GTIN)"),
    "02": ("GTIN of contained trade items", "GTIN của hàng hóa chứa bên trong"),
    "10": ("Batch or lot number", "Số lô sản xuất"),
    "11": ("Production date", "Ngày sản xuất"),
    "13": ("Packaging date", "Ngày đóng gói"),
    "15": ("Best before date", "Sử dụng tốt nhất trước ngày"),
    "16": ("Sell by date", "Bán trước ngày"),
    "17": ("Expiration date", "Hạn sử dụng"),
    "21": ("Serial number", "Số sê-ri"),
    "22": ("Consumer product variant", "Biến thể sản phẩm tiêu dùng"),
    "30": ("Variable count of items", "Số lượng thay đổi"),
    "37": ("Count of trade items", "Số lượng thương phẩm"),
    "253": ("Global Document Type Identifier (GDTI)", "Mã loại tài liệu toàn cầu (GDTI)"),
    "254": ("GLN extension component", "Thành phần mở rộng GLN"),
    "400": ("Customer's purchase order number", "Số đơn đặt hàng của khách hàng"),
    "414": ("Global Location Number (GLN)", "Mã số địa điểm toàn cầu (GLN)"),
    "417": ("Party GLN", "GLN của bên liên quan"),
    "422": ("Country of origin", "Quốc gia xuất xứ"),
    "7003": ("Expiration date and time", "Ngày giờ hết hạn"),
    "7007": ("Harvest date", "Ngày thu hoạch"),
    "8003": ("Global Returnable Asset Identifier (GRAI)", "Mã tài sản hoàn trả toàn cầu (GRAI)"),
    "8004": ("Global Individual Asset Identifier (GIAI)", "Mã tài sản riêng lẻ toàn cầu (GIAI)"),
    "8006": ("Identification of an individual trade item piece (ITIP)", "Mã bộ phận thương phẩm"),
    "8008": ("Date and time of production", "Ngày giờ sản xuất"),
    "8013": ("Global Model Number (GMN)", "Mã số mẫu toàn cầu (GMN)"),
    "8017": ("GSRN - provider", "GSRN - bên cung cấp"),
    "8018": ("GSRN - recipient", "GSRN - bên nhận"),
    "8200": ("Extended packaging URL", "URL bao bì mở rộng"),
}
