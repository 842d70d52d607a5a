package pseudonym

import "strings"

// Regions of origin for the "region" covariate kind: ISO 3166-1 alpha-2
// and alpha-3 codes grouped into the coarse regions that Norway's
// coordination unit reports (eastern_europe, western_europe, africa, asia,
// middle_east, south_america, north_central_america, oceania). Kosovo's
// user-assigned XK/XKX is included; Antarctica and unknown or stateless
// codes (XXA, XXX) give "unknown". This table is version 1 of the mapping:
// changing it changes covariates, so it is part of the compatibility
// promise.
const regionTable = `
eastern_europe: AL ALB AM ARM AZ AZE BA BIH BG BGR BY BLR CZ CZE EE EST GE GEO HR HRV HU HUN
  LT LTU LV LVA MD MDA ME MNE MK MKD PL POL RO ROU RS SRB RU RUS SI SVN SK SVK UA UKR XK XKX
western_europe: AD AND AT AUT BE BEL CH CHE CY CYP DE DEU DK DNK ES ESP FI FIN FO FRO FR FRA
  GB GBR GG GGY GI GIB GR GRC IE IRL IM IMN IS ISL IT ITA JE JEY LI LIE LU LUX MC MCO MT MLT
  NL NLD NO NOR PT PRT SE SWE SM SMR VA VAT AX ALA SJ SJM
middle_east: AE ARE BH BHR IL ISR IQ IRQ IR IRN JO JOR KW KWT LB LBN OM OMN PS PSE QA QAT
  SA SAU SY SYR TR TUR YE YEM
africa: DZ DZA AO AGO BJ BEN BW BWA BF BFA BI BDI CV CPV CM CMR CF CAF TD TCD KM COM CG COG
  CD COD CI CIV DJ DJI EG EGY GQ GNQ ER ERI SZ SWZ ET ETH GA GAB GM GMB GH GHA GN GIN GW GNB
  KE KEN LS LSO LR LBR LY LBY MG MDG MW MWI ML MLI MR MRT MU MUS YT MYT MA MAR MZ MOZ NA NAM
  NE NER NG NGA RE REU RW RWA SH SHN ST STP SN SEN SC SYC SL SLE SO SOM ZA ZAF SS SSD SD SDN
  TZ TZA TG TGO TN TUN UG UGA EH ESH ZM ZMB ZW ZWE
asia: AF AFG BD BGD BT BTN BN BRN KH KHM CN CHN HK HKG IN IND ID IDN JP JPN KZ KAZ KP PRK
  KR KOR KG KGZ LA LAO MO MAC MY MYS MV MDV MN MNG MM MMR NP NPL PK PAK PH PHL SG SGP LK LKA
  TW TWN TJ TJK TH THA TL TLS TM TKM UZ UZB VN VNM IO IOT
south_america: AR ARG BO BOL BR BRA CL CHL CO COL EC ECU FK FLK GF GUF GY GUY PY PRY PE PER
  SR SUR UY URY VE VEN
north_central_america: AG ATG AI AIA AW ABW BS BHS BB BRB BZ BLZ BM BMU BQ BES VG VGB CA CAN
  KY CYM CR CRI CU CUB CW CUW DM DMA DO DOM SV SLV GL GRL GD GRD GP GLP GT GTM HT HTI HN HND
  JM JAM MQ MTQ MX MEX MS MSR NI NIC PA PAN PR PRI BL BLM KN KNA LC LCA MF MAF PM SPM VC VCT
  SX SXM TT TTO TC TCA US USA VI VIR UM UMI
oceania: AS ASM AU AUS CK COK FJ FJI PF PYF GU GUM KI KIR MH MHL FM FSM NR NRU NC NCL NZ NZL
  NU NIU NF NFK MP MNP PW PLW PG PNG PN PCN WS WSM SB SLB TK TKL TO TON TV TUV VU VUT WF WLF
  CX CXR CC CCK HM HMD
`

// regions maps a lower-case ISO code to its region; alpha2 maps a
// lower-case alpha-2 or alpha-3 code to the lower-case alpha-2 code.
var regions, alpha2 = buildRegions()

func buildRegions() (map[string]string, map[string]string) {
	reg := map[string]string{}
	a2 := map[string]string{}
	region := ""
	var pending string
	for _, f := range strings.Fields(regionTable) {
		if strings.HasSuffix(f, ":") {
			region = strings.TrimSuffix(f, ":")
			continue
		}
		c := strings.ToLower(f)
		if _, dup := reg[c]; dup {
			panic("pseudonym: region table lists " + f + " twice")
		}
		reg[c] = region
		if len(c) == 2 {
			pending = c
			a2[c] = c
		} else {
			a2[c] = pending
		}
	}
	return reg, a2
}
